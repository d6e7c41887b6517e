#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"
#include "torchlab/train/run_dir.h"
#include "torchlab/vision/mnist_task.h"
#include "vision/synthetic.h"

using namespace torchlab;
using namespace torchlab::vision;
using testing_support::TempDir;

namespace {

TrainRequest request(const TempDir& dir, const std::string& run) {
  TrainRequest r;
  r.config.model = "conv";
  r.config.data = (dir / "data").string();
  r.config.epochs = 2;
  r.config.batch_size = 64;
  r.config.classes = "auto";
  r.config.valid_size = 20;
  r.runs_dir = dir / "runs";
  r.run = run;
  r.quiet = true;
  r.write_report = false;
  return r;
}

Checkpoint last_checkpoint(const std::filesystem::path& run) {
  return load_checkpoint(train::RunDir::open(run).checkpoints().back(), "mnist");
}

}  // namespace

TEST(MnistTask, ResumedConvRunIsBitIdenticalToAnUninterruptedOne) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");      // write_idx makes no folders
  synthetic::write_dataset(dir / "data", 200, 64, true);  // 180 after validation: 3 steps an epoch (one ragged)
  torch::manual_seed(0);
  const auto full = train_mnist(request(dir, "full"));
  EXPECT_EQ(full.steps, 6);
  auto first = request(dir, "part");
  first.max_steps = 5;  // stops inside epoch 2: data order, dropout RNG and Adam state must all carry over
  torch::manual_seed(0);
  EXPECT_EQ(train_mnist(first).steps, 5);
  auto second = request(dir, "");
  second.resume = dir / "runs" / "part";
  second.given.clear();
  torch::manual_seed(123);  // whatever the process's RNG was, the checkpoint's state wins
  const auto resumed = train_mnist(second);
  EXPECT_EQ(resumed.steps, 6);
  const auto a = last_checkpoint(dir / "runs" / "full");
  const auto b = last_checkpoint(dir / "runs" / "part");
  int compared = 0;
  for (const auto& [name, tensor] : a.tensors)
    if (name.rfind("model.", 0) == 0) {
      ASSERT_TRUE(b.tensors.count(name)) << name;
      EXPECT_TRUE(torch::equal(tensor, b.tensors.at(name))) << name;
      ++compared;
    }
  EXPECT_EQ(compared, 8);  // weights and biases of conv1, conv2, fc1, fc2
  EXPECT_DOUBLE_EQ(resumed.test_accuracy, full.test_accuracy);
  EXPECT_DOUBLE_EQ(resumed.valid_accuracy, full.valid_accuracy);
  EXPECT_EQ(a.meta["labels"][0], "0");  // dark synthetic images: digit class names
}

TEST(MnistTask, LoadedRunPredictsLikeTheTrainedModel) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  synthetic::write_dataset(dir / "data", 300, 50, false);
  auto r = request(dir, "m");
  r.config.model = "mlp";
  r.config.epochs = 3;
  r.config.valid_size = 50;
  const auto outcome = train_mnist(r);
  EXPECT_EQ(outcome.selected, "best.ckpt");
  const auto run = load_run(outcome.run_dir, "best", torch::kCPU);  // the checkpoint the test measured
  EXPECT_EQ(run.config.model, "mlp");
  EXPECT_EQ(run.epoch, outcome.selected_epoch);
  const auto eval = evaluate_run(run, "", torch::kCPU);
  EXPECT_EQ(eval.count(), 50);
  EXPECT_DOUBLE_EQ(eval.accuracy(), outcome.test_accuracy);
  const auto test = load_mnist_split(dir / "data", "t10k");
  const auto probs = predict_image(run, test.images[0], torch::kCPU);
  ASSERT_EQ(probs.size(), 10u);
  double sum = 0;
  for (double p : probs) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_THROW(load_run(outcome.run_dir, "newest", torch::kCPU), UserError);
}

TEST(MnistTask, SelectsOnHeldOutTrainingImagesAndTestsOnceAtTheEnd) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  synthetic::write_dataset(dir / "data", 300, 60, false);
  // Scramble the test labels: a model selected on the test split would see ~10 % accuracy while validating.
  std::vector<uint8_t> scrambled(60);
  for (size_t i = 0; i < scrambled.size(); ++i) scrambled[i] = static_cast<uint8_t>((i * 7) % 10);
  write_idx(dir / "data" / "t10k-labels-idx1-ubyte", {60}, scrambled.data(), false);
  auto r = request(dir, "honest");
  r.config.model = "mlp";
  r.config.epochs = 3;
  r.config.valid_size = 60;
  const auto outcome = train_mnist(r);
  EXPECT_GE(outcome.valid_accuracy, 0.9);  // the synthetic classes are easy on held-out training images
  EXPECT_LE(outcome.test_accuracy, 0.5);   // and the scrambled test split is measured apart
  const auto run = train::RunDir::open(outcome.run_dir);
  int valid_rows = 0, test_rows = 0;
  for (const auto& row : run.read_metrics()) {
    if (row["split"] == "valid") {
      ++valid_rows;
      EXPECT_GE(row["accuracy"].get<double>(), 0.5) << row.dump();
    }
    if (row["split"] == "test") {
      ++test_rows;
      EXPECT_DOUBLE_EQ(row["accuracy"].get<double>(), outcome.test_accuracy);
      EXPECT_EQ(row["checkpoint"], "best.ckpt");
    }
  }
  EXPECT_EQ(valid_rows, 3);
  EXPECT_EQ(test_rows, 1);
  const auto config = run.config();
  EXPECT_EQ(config["valid_size"], 60);
  EXPECT_EQ(config["valid_split"].get<std::string>().size(), 16u);

  // The held-out images are checked on resume: other training data is refused, as is another size.
  synthetic::write_dataset(dir / "data", 310, 60, false);
  auto more = request(dir, "");
  more.resume = outcome.run_dir;
  more.given.clear();
  more.config.epochs = 4;
  more.given.insert("epochs");
  try {
    train_mnist(more);
    FAIL() << "resumed on other training images";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("validation split"), std::string::npos) << e.what();
  }
  more.config.valid_size = 61;
  more.given.insert("valid_size");
  EXPECT_THROW(train_mnist(more), UserError);
}
