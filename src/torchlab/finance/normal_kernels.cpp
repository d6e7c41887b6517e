#include "torchlab/finance/normal_kernels.h"

#include <torch/torch.h>

#include <algorithm>

#include "torchlab/finance/simd.h"

namespace torchlab::finance {
namespace {

constexpr int kBlock = 16;

// e = -z^2 rounded, with the rounding error (from an FMA) folded into s as exp(-low) ~ 1 - low.
TORCHLAB_SIMD_CLONES
void erfc_exponents(const double* z, double* s, double* e, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double sq = z[i] * z[i];
    s[i] *= 1 - __builtin_fma(z[i], z[i], -sq);
    e[i] = -sq;
  }
}

TORCHLAB_SIMD_CLONES
void erfc_finish(const double* z, const double* s, const double* e, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double half = 0.5 * s[i] * e[i];  // erfc(|z|) / 2
    const double negative = z[i] < 0;
    out[i] = half + negative * (1 - 2 * half);  // erfc(-y) = 2 - erfc(y)
  }
}

}  // namespace

TORCHLAB_SIMD_CLONES
void erfcx_abs(const double* z, double* out, int64_t n_padded) {
  for (int64_t i = 0; i < n_padded; i += kBlock) erfcx_block<kBlock>(z + i, out + i);
}

void half_erfc(const double* z, double* out, int64_t n, double* exp_neg_z2) {
  const int64_t padded = (n + kBlock - 1) / kBlock * kBlock;
  auto scratch = torch::empty({3, padded}, torch::kFloat64);
  double* zp = scratch.data_ptr<double>();
  double* s = zp + padded;
  double* e = s + padded;
  std::copy(z, z + n, zp);
  std::fill(zp + n, zp + padded, 0.0);
  erfcx_abs(zp, s, padded);
  erfc_exponents(zp, s, e, n);
  auto exps = scratch[2].narrow(0, 0, n);
  torch::exp_out(exps, exps);
  erfc_finish(zp, s, e, out, n);
  if (exp_neg_z2) std::copy(e, e + n, exp_neg_z2);
}

}  // namespace torchlab::finance
