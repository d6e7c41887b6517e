#pragma once
// Implied volatility: the vol at which the model's price equals a given price.
#include <torch/types.h>

#include <string>

#include "torchlab/finance/option.h"
#include "torchlab/finance/option_tensors.h"

namespace torchlab::finance {

struct ImpliedVolSettings {
  double tolerance = 1e-10;  // on the vol: converged when a step moves it less than this
  int max_iterations = 100;
  double max_vol = 1e4;  // a solution above this is reported as not found
};

enum ImpliedVolStatus : int8_t { kSolved = 0, kBelowLowerBound = 1, kAboveUpperBound = 2, kNotConverged = 3 };

struct ImpliedVolBatch {
  torch::Tensor vol;           // float64 [n], NaN where there is no solution
  torch::Tensor iterations;    // int64 [n], Newton/bisection steps taken
  torch::Tensor status;        // int8 [n], ImpliedVolStatus
  torch::Tensor lower, upper;  // float64 [n], the no-arbitrage bounds on the price
};

// Solves price(vol) = target for every option of the batch (its vol field is ignored) by Newton's method with the
// vega from libtorch autograd (one vectorized graph per iteration over the options still unsolved), safeguarded by
// bisection on a bracket that each step narrows. A price outside the open no-arbitrage interval (lower, upper) has
// no positive vol: its status says which bound, its vol is NaN.
ImpliedVolBatch implied_vol(const OptionTensors& batch, const torch::Tensor& target,
                            const ImpliedVolSettings& settings = {});

struct ImpliedVolResult {
  double vol;  // NaN when there is no solution
  int64_t iterations;
  ImpliedVolStatus status;
  double lower, upper;
  std::string reason;  // empty when solved
};
ImpliedVolResult implied_vol(const Option& option, double target, const torch::Device& device = torch::kCPU,
                             const ImpliedVolSettings& settings = {});

// Why an option has no implied vol, for people: names the price and the bound it crosses.
std::string implied_vol_reason(ImpliedVolStatus status, double price, double lower, double upper,
                               const ImpliedVolSettings& settings = {});

}  // namespace torchlab::finance
