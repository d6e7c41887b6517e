#pragma once
// Vectorizable pieces of the standard normal CDF, for the fused CPU loops.
#include <cmath>
#include <cstdint>

namespace torchlab::finance {

// erfcx(y) = exp(y^2) erfc(y) for y >= 0 as t Q(t), t = 2/(2+y), with Q a 28-term Chebyshev series in 2t - 1
// (fitted with mpmath at 40 digits; relative error ~1e-16). erfc(y) = erfcx(y) exp(-y^2) then needs only an exp,
// which the callers batch into one vectorized libtorch call (and the closed forms share with the density).
inline constexpr int kErfcxTerms = 28;
inline constexpr double kErfcxQ[kErfcxTerms] = {
    5.7703373861646968862e-1,   3.5543692127049848731e-1,   6.509515882878652455e-2,    3.6711423958366391659e-3,
    -1.1128447433526324969e-3,  -1.6075829915378079758e-4,  3.2780315741731370605e-5,   5.4424416455050160333e-6,
    -1.5154665553171481622e-6,  -1.4297608181169864917e-7,  8.234608827419493433e-8,    -1.2962846852306562536e-9,
    -4.1547216310151983042e-9,  6.3470582783628111814e-10,  1.4320822712256223707e-10,  -6.1603901052045855418e-11,
    2.0612138554721696306e-12,  3.571493148847704445e-12,   -8.5864228432517964757e-13, -6.145600213790630554e-14,
    7.4187257485966170573e-14,  -1.2895042755032325615e-14, -2.3587263857106323568e-15, 1.5729349381685911397e-15,
    -2.2782966239546465174e-16, -6.3123304507564298103e-17, 3.5916763531814922994e-17,  -5.0498091498477292812e-18};

// erfcx(|z[j]|) for a block of B values. The B Clenshaw recurrences run side by side, so the vector units always
// have independent work instead of waiting on one chain's latency; meant to be inlined into a vectorized loop.
template <int B>
__attribute__((always_inline)) inline void erfcx_block(const double* z, double* out) {
  double t[B], u2[B], b1[B], b2[B];
  for (int j = 0; j < B; ++j) {
    t[j] = 2 / (2 + std::abs(z[j]));
    u2[j] = 4 * t[j] - 2;
    b1[j] = b2[j] = 0;
  }
#pragma GCC unroll 32
  for (int k = kErfcxTerms - 1; k >= 1; --k)
    for (int j = 0; j < B; ++j) {
      const double b = u2[j] * b1[j] - b2[j] + kErfcxQ[k];
      b2[j] = b1[j];
      b1[j] = b;
    }
  for (int j = 0; j < B; ++j) out[j] = t[j] * (0.5 * u2[j] * b1[j] - b2[j] + kErfcxQ[0]);
}

// out[i] = erfcx(|z[i]|) for n values (n a multiple of 16 reads and writes past n up to the next multiple).
void erfcx_abs(const double* z, double* out, int64_t n_padded);

// out[i] = erfc(z[i]) / 2 for n contiguous doubles (out may be z): the standard normal CDF N(x) at z = -x/sqrt(2),
// relative error ~1e-15 where N(x) > 1e-300. Several times faster than glibc's scalar erfc or libtorch's erfc op.
// With `exp_neg_z2`, also writes exp(-z^2) there, which it computes anyway: sqrt(2 pi) times the density at x.
void half_erfc(const double* z, double* out, int64_t n, double* exp_neg_z2 = nullptr);

}  // namespace torchlab::finance
