// custom_model: a model you define, trained by torchlab's Learner (live dashboard, a checkpoint per epoch, resume),
// then loaded back from its checkpoint into a fresh model and used to predict. The task: is a point of the square
// [-1, 1]^2 inside the circle of radius RADIUS?
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>

#include "torchlab/core/checkpoint.h"
#include "torchlab/train/learner.h"
#include "torchlab/train/run_dir.h"

using namespace torchlab;

constexpr int64_t TRAIN_POINTS = 4096;
constexpr int64_t VALID_POINTS = 1024;
constexpr int64_t BATCH_SIZE = 64;
constexpr int64_t FIRST_EPOCHS = 3;  // the first session stops here ...
constexpr int64_t EPOCHS = 6;        // ... and a second one resumes from its checkpoint up to here
constexpr double LEARNING_RATE = 0.01;
constexpr double RADIUS = 0.7;
const char* const RUNS = "runs";  // the run directory is runs/custom_model
const char* const RUN_NAME = "custom_model";

// The user's model: any torch::nn::Module.
struct CircleNet : torch::nn::Module {
  torch::nn::Linear fc1{register_module("fc1", torch::nn::Linear(2, 32))};
  torch::nn::Linear fc2{register_module("fc2", torch::nn::Linear(32, 32))};
  torch::nn::Linear out{register_module("out", torch::nn::Linear(32, 2))};
  torch::Tensor forward(torch::Tensor x) { return out(torch::relu(fc2(torch::relu(fc1(x))))); }
};

// The data as the Learner wants it: batch i of an epoch, in an order that depends only on (seed, epoch), so that a
// resumed run sees the same batches it would have seen.
class Points : public train::BatchSource {
 public:
  Points(int64_t n, uint64_t seed) : x_(torch::rand({n, 2}) * 2 - 1), order_(n) {
    y_ = (x_.pow(2).sum(1) < RADIUS * RADIUS).to(torch::kLong);
    std::iota(order_.begin(), order_.end(), 0);
    seed_ = seed;
  }
  int64_t batches_per_epoch() const override { return x_.size(0) / BATCH_SIZE; }
  void set_epoch(int64_t epoch) override {
    std::iota(order_.begin(), order_.end(), 0);
    std::shuffle(order_.begin(), order_.end(), std::mt19937_64(seed_ + epoch));
  }
  train::Batch batch(int64_t i) override {
    auto rows =
        torch::tensor(std::vector<int64_t>(order_.begin() + i * BATCH_SIZE, order_.begin() + (i + 1) * BATCH_SIZE));
    return {x_.index_select(0, rows), y_.index_select(0, rows)};
  }

 private:
  torch::Tensor x_, y_;
  std::vector<int64_t> order_;
  uint64_t seed_;
};

// A Learner for `model` on the run directory; train and validation steps return the loss (and accuracy).
train::Learner make_learner(train::RunDir run, std::shared_ptr<CircleNet> model, int64_t epochs) {
  train::LearnerOptions options;
  options.epochs = epochs;
  options.unit = "points";
  options.checkpoints.every_epoch = true;
  train::Learner learner(std::move(run), model,
                         std::make_shared<torch::optim::Adam>(model->parameters(), LEARNING_RATE), options);
  auto step = [model](const train::Batch& b) {
    torch::Tensor logits = model->forward(b[0]);
    train::StepResult r;
    r.loss = torch::cross_entropy_loss(logits, b[1]);
    r.metrics["accuracy"] = logits.argmax(1).eq(b[1]).to(torch::kDouble).mean().item<double>();
    r.items = b[0].size(0);
    return r;
  };
  learner.train_step = step;
  learner.valid_step = step;
  return learner;
}

int main() try {
  torch::manual_seed(0);
  Points train(TRAIN_POINTS, 1), valid(VALID_POINTS, 2);

  // Session 1: a new run directory (config.json, metrics.jsonl, checkpoints/, report.html), FIRST_EPOCHS epochs.
  auto run =
      train::RunDir::create(RUNS, RUN_NAME, "", /*overwrite=*/true, {{"model", "CircleNet"}, {"radius", RADIUS}});
  make_learner(run, std::make_shared<CircleNet>(), FIRST_EPOCHS).fit(train, &valid);

  // Session 2 (as after a restart or Ctrl-C): a fresh model resumes from the newest checkpoint and goes on.
  auto learner = make_learner(train::RunDir::open(run.dir()), std::make_shared<CircleNet>(), EPOCHS);
  learner.resume();
  std::printf("resumed at epoch %lld, step %lld\n", static_cast<long long>(learner.progress().epoch),
              static_cast<long long>(learner.progress().step));
  learner.fit(train, &valid);

  // Inference: load the last checkpoint into a new model ("model.*" tensors are the Learner's model).
  CircleNet net;
  load_module(load_checkpoint(run.checkpoints().back()), "model", net);
  net.eval();
  torch::NoGradGuard no_grad;
  const std::pair<double, double> probes[] = {{0.0, 0.0}, {0.5, 0.4}, {0.6, 0.6}, {-0.9, 0.1}};
  for (auto [x, y] : probes) {
    auto p = torch::softmax(net.forward(torch::tensor({{x, y}}, torch::kFloat)), 1)[0][1].item<double>();
    std::printf("(%+.1f, %+.1f): inside %.2f -> %s (truth: %s)\n", x, y, p, p > 0.5 ? "inside" : "outside",
                x * x + y * y < RADIUS * RADIUS ? "inside" : "outside");
  }
  const auto acc = learner.evaluate(valid).at("accuracy");
  std::printf("validation accuracy: %.3f\n", acc);
} catch (const std::exception& e) {
  std::fprintf(stderr, "custom_model: %s\n", e.what());
  return 1;
}
