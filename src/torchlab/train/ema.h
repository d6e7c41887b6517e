#pragma once
#include <torch/torch.h>

namespace torchlab::train {

// target <- (1 - tau) * target + tau * online, over parameters and floating-point buffers (integer buffers are
// copied). tau = 1 is a hard copy. The two modules must have the same structure.
void ema_update(torch::nn::Module& target, const torch::nn::Module& online, double tau);

}  // namespace torchlab::train
