#include "torchlab/train/optimize.h"

namespace torchlab::train {

void optimize(const std::vector<torch::Tensor>& params, torch::optim::Optimizer& optimizer, const torch::Tensor& loss,
              const Clip& clip, const std::function<void()>& after_backward) {
  optimizer.zero_grad();
  loss.backward();
  if (after_backward) after_backward();
  if (clip.value > 0) clip_grad_value(params, clip.value);
  if (clip.norm > 0) clip_grad_norm(params, clip.norm);
  optimizer.step();
}

void clip_grad_value(const std::vector<torch::Tensor>& params, double value) {
  for (const auto& p : params)
    if (p.grad().defined()) p.grad().clamp_(-value, value);
}

double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(torch::kFloat64));
  if (norms.empty()) return 0;
  const double total = torch::stack(norms).norm(2).item<double>();
  const double scale = max_norm / (total + 1e-6);
  if (scale < 1)
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().mul_(scale);
  return total;
}

}  // namespace torchlab::train
