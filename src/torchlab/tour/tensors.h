#pragma once
#include <torch/types.h>

#include <ostream>

namespace torchlab::tour {

// The seed's example ([3, 1, 4, 1, 5] * 2 printed by libtorch), then a guided tour of tensors on `device`.
void tensors(std::ostream& out, const torch::Device& device);

}  // namespace torchlab::tour
