#include <gtest/gtest.h>

#include <set>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/vision/batches.h"
#include "torchlab/vision/mnist.h"
#include "vision/synthetic.h"

using namespace torchlab;
using namespace torchlab::vision;
using testing_support::TempDir;

namespace {

std::string load_error(const std::filesystem::path& dir, const std::string& split) {
  try {
    load_mnist_split(dir, split);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(MnistData, LoadsSplitsWithShapesTypesAndValues) {
  TempDir dir;
  synthetic::write_dataset(dir.path(), 50, 20, true);
  const auto train = load_mnist_split(dir.path(), "train");
  const auto test = load_mnist_split(dir.path(), "t10k");
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{50, 28, 28}));
  EXPECT_EQ(train.images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(train.labels.sizes(), std::vector<int64_t>{50});
  EXPECT_EQ(train.labels.scalar_type(), torch::kInt64);
  EXPECT_EQ(test.size(), 20);
  const auto expected = synthetic::make_images(50, 1);
  for (int64_t i : {0, 17, 49}) {
    EXPECT_EQ(train.labels[i].item<int64_t>(), expected.labels[i]);
    EXPECT_EQ(train.images[i][5][7].item<int64_t>(), expected.pixels[i * 784 + 5 * 28 + 7]);
  }
}

TEST(MnistData, PlainFilesAndTheClassicMnistSpellingWork) {
  TempDir dir;
  synthetic::write_dataset(dir.path(), 12, 8, false);
  EXPECT_EQ(load_mnist_split(dir.path(), "train").size(), 12);
  std::filesystem::rename(dir / "t10k-images-idx3-ubyte", dir / "t10k-images.idx3-ubyte");
  std::filesystem::rename(dir / "t10k-labels-idx1-ubyte", dir / "t10k-labels.idx1-ubyte");
  EXPECT_EQ(load_mnist_split(dir.path(), "t10k").size(), 8);
}

TEST(MnistData, MissingDatasetNamesTheFilesAndThePackage) {
  TempDir dir;
  for (const auto& where : {dir / "absent", dir.path()}) {
    const auto msg = load_error(where, "train");
    for (const char* part : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "apt-get install dataset-fashion-mnist", "--data DIR"})
      EXPECT_NE(msg.find(part), std::string::npos) << part << " in: " << msg;
  }
  EXPECT_NE(load_error(dir / "absent", "train").find("does not exist"), std::string::npos);
}

TEST(MnistData, LabelCountMismatchNamesBothFiles) {
  TempDir dir;
  synthetic::write_dataset(dir.path(), 10, 5, true);
  std::vector<uint8_t> labels(9, 1);
  write_idx(dir / "train-labels-idx1-ubyte.gz", {9}, labels.data(), true);
  const auto msg = load_error(dir.path(), "train");
  EXPECT_NE(msg.find("holds 9 labels"), std::string::npos) << msg;
  EXPECT_NE(msg.find("10 images"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
}

TEST(MnistData, BadLabelOrImageShapeIsNamed) {
  TempDir dir;
  synthetic::write_dataset(dir.path(), 4, 4, false);
  std::vector<uint8_t> labels = {1, 2, 12, 3};
  write_idx(dir / "train-labels-idx1-ubyte", {4}, labels.data(), false);
  auto msg = load_error(dir.path(), "train");
  EXPECT_NE(msg.find("label 12 of item 2 (byte 10)"), std::string::npos) << msg;
  std::vector<uint8_t> small(4 * 5 * 5, 0);
  write_idx(dir / "t10k-images-idx3-ubyte", {4, 5, 5}, small.data(), false);
  msg = load_error(dir.path(), "t10k");
  EXPECT_NE(msg.find("N x 28 x 28"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4x5x5"), std::string::npos) << msg;
}

TEST(MnistData, ClassNamesAndDetection) {
  EXPECT_EQ(class_names("fashion")[9], "Ankle boot");
  EXPECT_EQ(class_names("digits")[3], "3");
  EXPECT_THROW(class_names("birds"), UserError);
  const auto dark = torch::full({10, 28, 28}, 30, torch::kUInt8);    // MNIST-like mean 0.12
  const auto bright = torch::full({10, 28, 28}, 80, torch::kUInt8);  // Fashion-like mean 0.31
  EXPECT_EQ(detect_class_set("/data/mnist", dark), "digits");
  EXPECT_EQ(detect_class_set("/data/mnist", bright), "fashion");
  EXPECT_EQ(detect_class_set("/usr/share/datasets/Fashion-MNIST", dark), "fashion");
}

TEST(MnistData, ModelInputIsScaledToUnitRange) {
  const auto u8 = torch::tensor({0, 51, 255}, torch::kUInt8).repeat({262}).slice(0, 0, 784).reshape({1, 28, 28});
  const auto x = to_model_input(u8);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{1, 1, 28, 28}));
  EXPECT_EQ(x.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(x[0][0][0][0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(x[0][0][0][1].item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(x[0][0][0][2].item<float>(), 1.0f);
}

TEST(MnistBatches, ShapesCountsAndScaling) {
  MnistSplit split;
  split.images =
      torch::arange(10, torch::kInt64).mul(25).to(torch::kUInt8).view({10, 1, 1}).expand({10, 28, 28}).clone();
  split.labels = torch::arange(10, torch::kInt64).remainder(10);
  BatchOptions o;
  o.batch_size = 4;
  MnistBatches batches(split, o);
  EXPECT_EQ(batches.batches_per_epoch(), 3);  // 4 + 4 + 2
  const auto last = batches.batch(2);
  ASSERT_EQ(last.size(), 3u);
  EXPECT_EQ(last[0].sizes(), (std::vector<int64_t>{2, 1, 28, 28}));
  EXPECT_EQ(last[1].sizes(), std::vector<int64_t>{2});
  // Image i is filled with 25 * i, so its scaled pixels tell which item it is: labels and positions must agree.
  for (int64_t b = 0; b < 3; ++b) {
    const auto batch = batches.batch(b);
    for (int64_t j = 0; j < batch[1].size(0); ++j) {
      const int64_t item = batch[2][j].item<int64_t>();
      EXPECT_EQ(batch[1][j].item<int64_t>(), item);
      EXPECT_FLOAT_EQ(batch[0][j][0][13][13].item<float>(), 25.0f * item / 255.0f);
    }
  }
  o.drop_last = true;
  EXPECT_EQ(MnistBatches(split, o).batches_per_epoch(), 2);
}

TEST(MnistBatches, OrderIsAPermutationFixedBySeedAndEpoch) {
  const auto a = epoch_order(1000, 42, 1);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 1000u);
  EXPECT_EQ(a, epoch_order(1000, 42, 1));
  EXPECT_NE(a, epoch_order(1000, 42, 2));
  EXPECT_NE(a, epoch_order(1000, 43, 1));
  // Pinned values: a change of the shuffle would silently change every resumed run.
  const auto small = epoch_order(6, 7, 3);
  EXPECT_EQ(std::set<int64_t>(small.begin(), small.end()), (std::set<int64_t>{0, 1, 2, 3, 4, 5}));

  MnistSplit split;
  split.images = torch::zeros({9, 28, 28}, torch::kUInt8);
  split.labels = torch::arange(9, torch::kInt64);
  BatchOptions o;
  o.batch_size = 3;
  o.seed = 5;
  MnistBatches batches(split, o);
  batches.set_epoch(4);
  std::vector<int64_t> seen;
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t j = 0; j < 3; ++j) seen.push_back(batches.batch(b)[1][j].item<int64_t>());
  EXPECT_EQ(seen, epoch_order(9, 5, 4));

  o.shuffle = false;
  MnistBatches fixed(split, o);
  fixed.set_epoch(7);
  EXPECT_EQ(fixed.batch(1)[1][0].item<int64_t>(), 3);
}

TEST(MnistBatches, RanksTakeDisjointShares) {
  MnistSplit split;
  split.images = torch::zeros({20, 28, 28}, torch::kUInt8);
  split.labels = torch::arange(20, torch::kInt64);
  std::set<int64_t> all;
  for (int rank = 0; rank < 2; ++rank) {
    BatchOptions o;
    o.batch_size = 5;
    o.rank = rank;
    o.world_size = 2;
    MnistBatches b(split, o);
    EXPECT_EQ(b.batches_per_epoch(), 2);
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 5; ++j) EXPECT_TRUE(all.insert(b.batch(i)[1][j].item<int64_t>()).second);
  }
  EXPECT_EQ(all.size(), 20u);
}

TEST(MnistBatches, FlipMirrorsAboutHalfTheImagesReproducibly) {
  torch::manual_seed(0);
  MnistSplit split;
  split.images = torch::randint(0, 256, {512, 28, 28}, torch::kInt64).to(torch::kUInt8);
  split.labels = torch::zeros({512}, torch::kInt64);
  BatchOptions o;
  o.batch_size = 512;
  o.shuffle = false;
  o.flip = true;
  MnistBatches flipped(split, o);
  const auto plain = to_model_input(split.images);
  const auto a = flipped.batch(0)[0];
  int64_t mirrored = 0;
  for (int64_t i = 0; i < 512; ++i) {
    const bool same = torch::equal(a[i], plain[i]);
    const bool mirror = torch::equal(a[i], plain[i].flip({2}));
    EXPECT_TRUE(same != mirror) << i;  // random images are never their own mirror
    mirrored += mirror;
  }
  EXPECT_GT(mirrored, 200);  // binomial(512, 1/2): 256 +- 11
  EXPECT_LT(mirrored, 312);
  EXPECT_TRUE(torch::equal(flipped.batch(0)[0], a));  // same (seed, epoch, batch): same flips
  flipped.set_epoch(2);
  EXPECT_FALSE(torch::equal(flipped.batch(0)[0], a));
}
