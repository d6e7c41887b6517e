#pragma once
// A batch of options as float64 tensors, the unit every vectorized path (autograd, closed form, implied vol) takes.
#include <torch/types.h>

#include <vector>

#include "torchlab/finance/option.h"

namespace torchlab::finance {

// Each field is a 1-D float64 tensor of the same length on one device. sign is +1 for a call and -1 for a put;
// dividend is all zeros for Black-76.
struct OptionTensors {
  Model model = Model::black76;
  torch::Tensor underlying, strike, vol, time, rate, dividend, sign;

  int64_t size() const { return underlying.size(0); }
  torch::Device device() const { return underlying.device(); }
  OptionTensors slice(int64_t begin, int64_t end) const;  // views, no copy
  OptionTensors to(const torch::Device& device) const;
  OptionTensors contiguous() const;
};

// One batch from single options of one model.
OptionTensors to_tensors(Model model, const std::vector<Option>& options, const torch::Device& device);
// Row i of a batch as a single option.
Option option_at(const OptionTensors& batch, int64_t i);

// n options drawn from torch's default generator: underlying 50..150, strike = underlying * exp(+-0.4),
// vol 0.05..0.8, time 0.05..3 years, rate -0.01..0.08, dividend 0..0.05 (BSM), calls and puts half each.
OptionTensors random_options(Model model, int64_t n, const torch::Device& device = torch::kCPU);

}  // namespace torchlab::finance
