#pragma once
// torch::optim::Adam with the update of each float CPU parameter done in one pass over memory by the kernels' Adam
// (kernels/adam.h; libtorch's step makes seven passes and two temporaries), bit for bit what libtorch computes. Same
// options, same state objects, so checkpoints written by either load into the other; other parameters (CUDA,
// double) take libtorch's own path. The one fused Adam: vision's models train with step(), the DQN's fused MLP,
// whose gradients live in its own buffers, with bind_gradients() and step_bound().
#include <torch/torch.h>

#include <vector>

namespace torchlab::train {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;

  // For a caller that keeps the gradients of its (float, contiguous, CPU) parameters in buffers of its own: one
  // pointer per parameter of the single parameter group, in order. Creates any missing state. Bind again after the
  // optimizer's state was loaded or replaced.
  void bind_gradients(const std::vector<float*>& grads);
  // One Adam step of the bound parameters from the bound gradients; lr, betas, eps and weight decay are read from
  // the parameter group each time (so schedules apply). No amsgrad.
  void step_bound();

 private:
  struct Bound {
    float *w, *m, *v;
    const float* g;
    int64_t numel;
    torch::optim::AdamParamState* state;
  };
  std::vector<Bound> bound_;
};

}  // namespace torchlab::train
