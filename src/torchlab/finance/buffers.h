#pragma once
#include <torch/types.h>

namespace torchlab::finance {

// An uninitialized float64 [rows, n] tensor for results. A large CPU one is advised onto transparent huge pages:
// the first touch of a fresh 72 MB result otherwise costs 18 k page faults, more time than the Greeks themselves.
torch::Tensor empty_output(int64_t rows, int64_t n, const torch::Device& device);

}  // namespace torchlab::finance
