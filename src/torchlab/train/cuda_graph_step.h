#pragma once
// A training step (forward, loss, backward, clipping, Adam) captured once as a CUDA graph and replayed: one launch
// per step instead of hundreds, so small recurrent models stop waiting on the CPU. Needs a CUDA build of libtorch 2.x,
// parameters on one CUDA device, torch::optim::Adam, a step function without host synchronisation, and batches of one
// shape. Anything else, and the steps before capture (warm-up), run eagerly through `eager_optimize`; a capture that
// fails is reported once and training goes on eagerly.
//
// Adam runs as libtorch's fused CUDA kernel on the optimizer's own state tensors (exp_avg, exp_avg_sq), with the step
// counts on the device. The host-side AdamParamState step counts are kept in step, so checkpoints are the usual ones
// and eager and replayed steps can alternate.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchlab/train/step.h"

namespace torchlab::train {

struct CudaGraphStepOptions {
  double clip_value = 0;  // as LearnerOptions
  double clip_norm = 0;
  int warmup_steps = 2;  // eager steps first: cuDNN/cuBLAS set up and the Adam state exists before capture
};

class CudaGraphStep : public StepStrategy {
 public:
  using Forward = std::function<StepResult(const Batch&)>;
  using EagerOptimize = std::function<void(const torch::Tensor& loss)>;

  // Why these parameters and optimizer cannot be captured (empty when they can).
  static std::string unsupported(const std::vector<torch::Tensor>& params, const torch::optim::Optimizer& optimizer);

  CudaGraphStep(std::vector<torch::Tensor> params, torch::optim::Optimizer& optimizer, CudaGraphStepOptions options,
                Forward forward, EagerOptimize eager_optimize);
  ~CudaGraphStep();
  CudaGraphStep(const CudaGraphStep&) = delete;
  CudaGraphStep& operator=(const CudaGraphStep&) = delete;

  // One optimizer step. The returned loss is a device scalar the next replay overwrites: read it before then.
  StepResult step(const Batch& batch) override;
  // Once, after a capture failed: the note that steps stay eager.
  std::string take_note() override;

  bool captured() const;
  const std::string& failure() const;  // why capture failed (then every step is eager); empty otherwise

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool noted_ = false;
};

}  // namespace torchlab::train
