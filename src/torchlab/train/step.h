#pragma once
// What the training loop consumes: batches from a resumable source, a step that turns one into a loss, and the
// strategy that runs that step (eagerly, or replayed as a CUDA graph: cuda_graph_step.h).
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace torchlab::train {

using Batch = std::vector<torch::Tensor>;

// A resumable, shardable source of batches. The order within an epoch is a pure function of (seed, epoch), so a run
// restarts mid-epoch by asking for batch i of epoch e, and each data-parallel rank takes a disjoint share.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t batches_per_epoch() const = 0;
  virtual void set_epoch(int64_t epoch) = 0;  // 1-based; reshuffles deterministically
  virtual Batch batch(int64_t index) = 0;     // 0 <= index < batches_per_epoch()
};

struct StepResult {
  // Scalar loss. The loop runs backward, clipping, the after-backward hook and the optimizer step on it. Leave it
  // undefined when the step optimized by itself (manual optimization, e.g. a fused DQN update) and report `value`.
  torch::Tensor loss;
  double value = 0;                       // the loss as a number when `loss` is undefined
  std::map<std::string, double> metrics;  // averaged over log windows / validation
  int64_t items = 0;                      // what throughput counts (characters, images, moves)

  double loss_value() const { return loss.defined() ? loss.item<double>() : value; }
};

using StepFn = std::function<StepResult(const Batch&)>;

// How the loop runs one training step: the forward (a StepFn) and the optimizer update on its loss.
class StepStrategy {
 public:
  virtual ~StepStrategy() = default;
  virtual StepResult step(const Batch& batch) = 0;
  // A notice for the user that appeared since the last call (e.g. a CUDA graph capture that failed), else empty.
  virtual std::string take_note() { return {}; }
};

// The forward, then `update` on its loss when it returned one.
class EagerStep : public StepStrategy {
 public:
  EagerStep(StepFn forward, std::function<void(const torch::Tensor& loss)> update)
      : forward_(std::move(forward)), update_(std::move(update)) {}
  StepResult step(const Batch& batch) override {
    StepResult r = forward_(batch);
    if (r.loss.defined()) update_(r.loss);
    return r;
  }

 private:
  StepFn forward_;
  std::function<void(const torch::Tensor& loss)> update_;
};

}  // namespace torchlab::train
