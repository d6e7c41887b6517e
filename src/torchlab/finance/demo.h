#pragma once
#include <torch/types.h>

#include <ostream>

namespace torchlab::finance {

// The `torchlab demo` step: the seed's Greeks by autograd, their check against the closed forms, and the implied
// vol that gives the seed's price back.
void greeks_demo(std::ostream& out, const torch::Device& device);

}  // namespace torchlab::finance
