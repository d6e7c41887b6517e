#pragma once
#include <torch/types.h>

#include "torchlab/finance/option_tensors.h"

namespace torchlab::finance {

// An uninitialized float64 [rows, n] tensor for results. A large CPU one is advised onto transparent huge pages:
// the first touch of a fresh 72 MB result otherwise costs 18 k page faults, more time than the Greeks themselves.
torch::Tensor empty_output(int64_t rows, int64_t n, const torch::Device& device);

// Checks that `out` can take a batch's Greeks: contiguous float64 [kNumGreeks, batch.size()] on its device
// (a programming error otherwise: std::invalid_argument).
void check_output(const torch::Tensor& out, const OptionTensors& batch);

}  // namespace torchlab::finance
