#pragma once
// One optimizer update on a loss, as its own piece: a custom loop calls it directly, the Learner's eager step and
// the CUDA graph's warm-up call it too.
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace torchlab::train {

struct Clip {
  double value = 0;  // clamp every gradient element to [-value, value] (tch-rs backward_step_clip); 0 = off
  double norm = 0;   // scale the gradients to a global L2 norm <= norm; 0 = off
};

// zero_grad, backward, `after_backward` (the data-parallel all-reduce lives there), clipping, optimizer step.
void optimize(const std::vector<torch::Tensor>& params, torch::optim::Optimizer& optimizer, const torch::Tensor& loss,
              const Clip& clip = {}, const std::function<void()>& after_backward = {});

void clip_grad_value(const std::vector<torch::Tensor>& params, double value);
double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);  // returns the norm before clipping

}  // namespace torchlab::train
