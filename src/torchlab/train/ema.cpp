#include "torchlab/train/ema.h"

#include "torchlab/core/error.h"

namespace torchlab::train {

void ema_update(torch::nn::Module& target, const torch::nn::Module& online, double tau) {
  torch::NoGradGuard no_grad;
  auto update = [tau](std::vector<torch::Tensor> dst, std::vector<torch::Tensor> src) {
    if (dst.size() != src.size()) throw std::logic_error("ema_update: modules differ in structure");
    for (size_t i = 0; i < dst.size(); ++i) {
      if (dst[i].is_floating_point() && tau != 1.0)
        dst[i].lerp_(src[i], tau);  // dst + tau * (src - dst) = (1 - tau) * dst + tau * src
      else
        dst[i].copy_(src[i]);
    }
  };
  update(target.parameters(), online.parameters());
  update(target.buffers(), online.buffers());
}

}  // namespace torchlab::train
