#pragma once
// The standard normal CDF and density as autograd-aware libtorch ops with one fused kernel each, so that the price's
// graph holds one node per N(.) instead of erfc's five-op composite (and its backward's), and plain-double versions
// for the scalar paths.
#include <torch/types.h>

#include <cmath>

namespace torchlab::finance {

// N(w * d) for a sign w = +1 / -1 (elementwise). Differentiable in d to any order:
// dN(w d)/dd = w * pdf(d), d pdf(d)/dd = -d * pdf(d).
torch::Tensor norm_cdf(const torch::Tensor& d, const torch::Tensor& w);
torch::Tensor norm_pdf(const torch::Tensor& d);

inline double norm_cdf(double d, double w) { return 0.5 * std::erfc(-0.70710678118654752440 * w * d); }
inline double norm_pdf(double d) { return 0.39894228040143267794 * std::exp(-0.5 * d * d); }

}  // namespace torchlab::finance
