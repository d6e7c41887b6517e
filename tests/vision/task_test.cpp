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
  synthetic::write_dataset(dir / "data", 200, 64, true);  // 4 steps an epoch (the last one ragged)
  torch::manual_seed(0);
  const auto full = train_mnist(request(dir, "full"));
  EXPECT_EQ(full.steps, 8);
  auto first = request(dir, "part");
  first.max_steps = 5;  // stops inside epoch 2: data order, dropout RNG and Adam state must all carry over
  torch::manual_seed(0);
  EXPECT_EQ(train_mnist(first).steps, 5);
  auto second = request(dir, "");
  second.resume = dir / "runs" / "part";
  second.given.clear();
  torch::manual_seed(123);  // whatever the process's RNG was, the checkpoint's state wins
  const auto resumed = train_mnist(second);
  EXPECT_EQ(resumed.steps, 8);
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
  EXPECT_EQ(a.meta["labels"][0], "0");  // dark synthetic images: digit class names
}

TEST(MnistTask, LoadedRunPredictsLikeTheTrainedModel) {
  TempDir dir;
  synthetic::write_dataset(dir / "data", 300, 50, false);
  auto r = request(dir, "m");
  r.config.model = "mlp";
  r.config.epochs = 3;
  const auto outcome = train_mnist(r);
  const auto run = load_run(outcome.run_dir, "last", torch::kCPU);
  EXPECT_EQ(run.config.model, "mlp");
  EXPECT_EQ(run.step, outcome.steps);
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
