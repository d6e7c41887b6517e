#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "torchlab/vision/image_file.h"
#include "vision/synthetic.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::TempDir;
using testing_support::write_text;
namespace fs = std::filesystem;

namespace {

// A workspace with a small synthetic dataset in data/ (600 training images, 40 of them held out for validation,
// 200 test images, gzipped).
struct Workspace {
  TempDir tmp;
  Workspace() {
    fs::create_directories(tmp / "data");  // write_idx makes no folders
    synthetic::write_dataset(tmp / "data", 600, 200, true);
  }
  std::string flags() const {
    return "--data '" + (tmp / "data").string() + "' --runs-dir '" + (tmp / "runs").string() +
           "' --valid-size 40 --threads 1";
  }
  std::string runs() const { return "--runs-dir '" + (tmp / "runs").string() + "' --threads 1"; }
  fs::path run(const std::string& name) const { return tmp / "runs" / name; }
};

std::vector<nlohmann::json> metrics(const fs::path& run) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(MnistCli, TrainEvalAndPredict) {
  Workspace w;
  auto r = run_cli("mnist train --model mlp --epochs 5 --run m --quiet " + w.flags());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Test accuracy")) << r.out;
  const auto run = w.run("m");
  const auto config = nlohmann::json::parse(read_text(run / "config.json"));
  EXPECT_EQ(config["task"], "mnist");
  EXPECT_EQ(config["model"], "mlp");
  EXPECT_EQ(config["classes"], "digits");  // dark images in a folder not named "fashion"
  const auto rows = metrics(run);
  int train_rows = 0, valid_rows = 0, test_rows = 0;
  double last_accuracy = 0, test_accuracy = 0;
  for (const auto& row : rows) {
    if (row["split"] == "train") ++train_rows;
    if (row["split"] == "valid") ++valid_rows, last_accuracy = row["accuracy"];
    if (row["split"] == "test") ++test_rows, test_accuracy = row["accuracy"];
  }
  EXPECT_EQ(valid_rows, 5);
  EXPECT_EQ(test_rows, 1);        // the test split, once, at the end
  EXPECT_GE(last_accuracy, 0.9);  // the synthetic classes are easy
  EXPECT_EQ(config["valid_size"], 40);
  EXPECT_TRUE(contains(r.out, "with best.ckpt (epoch ")) << r.out;
  EXPECT_TRUE(contains(r.out, " on 40 held-out training images")) << r.out;
  EXPECT_FALSE(fs::is_empty(run / "checkpoints"));
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "best.ckpt"));
  for (const char* sample : {"confusion.table.json", "per_class.table.json", "misclassified.images.json"})
    EXPECT_TRUE(fs::exists(run / "samples" / sample)) << sample;
  const auto confusion = nlohmann::json::parse(read_text(run / "samples" / "confusion.table.json"));
  int64_t total = 0;
  for (const auto& row : confusion["rows"])
    for (size_t j = 1; j < row.size(); ++j) total += row[j].get<int64_t>();
  EXPECT_EQ(total, 200);
  const auto report = read_text(run / "report.html");
  EXPECT_TRUE(contains(report, "Confusion matrix")) << "report lacks the confusion matrix";

  auto e = run_cli("mnist eval --run m " + w.runs());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(contains(e.out, "Test accuracy:")) << e.out;
  EXPECT_TRUE(contains(e.out, " / 200)")) << e.out;
  EXPECT_TRUE(contains(e.out, "Confusion matrix (rows: true class")) << e.out;
  EXPECT_EQ(metrics(run).back()["split"], "eval");
  auto best = run_cli("mnist eval --run m --checkpoint best " + w.runs());
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_DOUBLE_EQ(metrics(run).back()["accuracy"].get<double>(), test_accuracy);  // the same weights were tested

  auto p = run_cli("mnist predict --run m --index 3 --checkpoint best " + w.runs() + " --data '" +
                   (w.tmp / "data").string() + "'");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const auto test = synthetic::make_images(200, 2);
  EXPECT_TRUE(contains(p.out, "true class: " + std::to_string(test.labels[3]))) << p.out;
  EXPECT_TRUE(contains(p.out, "Predicted: " + std::to_string(test.labels[3]))) << p.out;

  // A PGM file of test image 5 gives the same class.
  torchlab::vision::GreyImage img;
  img.width = img.height = 28;
  img.pixels.assign(test.pixels.begin() + 5 * 784, test.pixels.begin() + 6 * 784);
  write_text(w.tmp / "five.pgm", torchlab::vision::encode_pgm(img));
  auto f = run_cli("mnist predict --run m --image '" + (w.tmp / "five.pgm").string() + "' " + w.runs());
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_TRUE(contains(f.out, "Predicted: " + std::to_string(test.labels[5]))) << f.out;
}

TEST(MnistCli, PredictRejectsBadImagesAndIndices) {
  Workspace w;
  ASSERT_EQ(run_cli("mnist train --model linear --epochs 1 --run l --quiet " + w.flags()).exit_code, 0);
  torchlab::vision::GreyImage small;
  small.width = 20;
  small.height = 20;
  small.pixels.assign(400, 0);
  write_text(w.tmp / "small.pgm", torchlab::vision::encode_pgm(small));
  auto r = run_cli("mnist predict --run l --image '" + (w.tmp / "small.pgm").string() + "' " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "is 20x20 pixels")) << r.err;
  EXPECT_TRUE(contains(r.err, "28x28")) << r.err;
  r = run_cli("mnist predict --run l --index 5000 " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "the test split has 200 images")) << r.err;
  r = run_cli("mnist predict --run l " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--index I or --image FILE")) << r.err;
  r = run_cli("mnist eval --run nope " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "does not exist")) << r.err;
}

TEST(MnistCli, ResumeOverwriteAndConfigChecks) {
  Workspace w;
  // 560 training images, batch 256: 3 steps an epoch. Stop after 4, then resume to the end of epoch 2.
  auto r = run_cli("mnist train --model mlp --epochs 2 --max-steps 4 --run x --quiet " + w.flags());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "4 steps")) << r.out;
  r = run_cli("mnist train --resume x --quiet " + w.runs());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "after 2 epochs of the mlp model, 6 steps")) << r.out;
  r = run_cli("mnist train --resume x --model conv --quiet " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "model")) << r.err;
  r = run_cli("mnist train --resume x --valid-size 50 --quiet " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "valid_size")) << r.err;
  r = run_cli("mnist train --model mlp --valid-size 600 --run big --quiet --data '" + (w.tmp / "data").string() + "' " +
              w.runs());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--valid-size 600")) << r.err;
  EXPECT_FALSE(fs::exists(w.run("big")));
  r = run_cli("mnist train --model mlp --epochs 1 --run x --quiet " + w.flags());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "already exists")) << r.err;
  r = run_cli("mnist train --model mlp --epochs 1 --run x --overwrite --quiet " + w.flags());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(MnistCli, ConvNetTrainsThroughTheCli) {
  Workspace w;
  auto r = run_cli(
      "mnist train --model conv --epochs 1 --batch-size 64 --train-limit 256 --test-limit 100 --run c "
      "--quiet " +
      w.flags());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "after 1 epochs of the conv model, 4 steps")) << r.out;
}

TEST(MnistCli, MissingOrBrokenDatasetIsExplained) {
  Workspace w;
  auto r = run_cli("mnist train --model linear --data '" + (w.tmp / "nothing").string() + "' --quiet " + w.runs());
  EXPECT_EQ(r.exit_code, 2);
  for (const char* part :
       {"train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "apt-get install dataset-fashion-mnist"})
    EXPECT_TRUE(contains(r.err, part)) << part << " in: " << r.err;
  const auto labels = w.tmp / "data" / "train-labels-idx1-ubyte.gz";
  const auto bytes = read_text(labels);
  write_text(labels, bytes.substr(0, bytes.size() - 12));
  r = run_cli("mnist train --model linear --quiet " + w.flags());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, labels.string())) << r.err;
  r = run_cli("mnist train --model resnet --quiet " + w.flags());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "expected linear, mlp or conv")) << r.err;
}
