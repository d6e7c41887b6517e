#include "torchlab/finance/closed_form.h"

#include <torch/torch.h>

#include <cmath>

#include "torchlab/finance/buffers.h"
#include "torchlab/finance/normal.h"
#include "torchlab/finance/normal_kernels.h"
#include "torchlab/finance/parallel.h"
#include "torchlab/finance/simd.h"

namespace torchlab::finance {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kLogInvSqrt2Pi = -0.91893853320467274178;

// Options per CPU chunk: its twelve scratch rows (~400 KB) stay in the core's L2 between the passes.
constexpr int64_t kCpuChunk = 4096;

// All Greeks from the shared pieces: S = underlying, d1/d2, N1 = N(w d1), N2 = N(w d2), p = pdf(d1), the discount
// factors Dq = exp(-qT), Dr = exp(-rT) (Black-76: both exp(-rT)), v = vol sqrt(T) and its inverse. Black-76 is BSM
// with q = r, except that its rho moves the dividend discount too (rho = dV/dr with q tied to r = rho_bsm +
// epsilon_bsm). Divisions go through 1/v: 1/vol = sqrt(T)/v and vol/T = vol^3/v^2.
struct Pieces {
  double S, K, vol, T, r, q, w, sqrt_t, v, inv_v, d1, d2, N1, N2, p, Dq, Dr;
};

__attribute__((always_inline)) inline GreekValues greeks_from(bool black76, const Pieces& x) {
  const double A = x.w * x.S * x.Dq * x.N1;  // price = A - B
  const double B = x.w * x.K * x.Dr * x.N2;
  const double price = A - B;
  const double vega = x.S * x.Dq * x.p * x.sqrt_t;
  const double inv_vol = x.sqrt_t * x.inv_v;
  const double vol_per_t = x.vol * x.vol * x.vol * x.inv_v * x.inv_v;
  GreekValues g;
  g[kPrice] = price;
  g[kDelta] = x.w * x.Dq * x.N1;
  g[kVega] = vega;
  g[kTheta] = -0.5 * vega * vol_per_t + x.q * A - x.r * B;
  g[kRho] = black76 ? -x.T * price : x.T * B;
  g[kEpsilon] = black76 ? 0.0 : -x.T * A;
  g[kGamma] = x.Dq * x.p * x.inv_v / x.S;
  g[kVanna] = -x.Dq * x.p * x.d2 * inv_vol;
  g[kVolga] = vega * x.d1 * x.d2 * inv_vol;
  return g;
}

}  // namespace

torch::Tensor closed_form_greeks_ops(const OptionTensors& b) {
  const bool black76 = b.model == Model::black76;
  const auto& S = b.underlying;
  const auto& w = b.sign;
  const auto q = black76 ? b.rate : b.dividend;
  const auto sqrt_t = b.time.sqrt();
  const auto v = b.vol * sqrt_t;
  auto x = (S / b.strike).log();
  if (!black76) x = x + (b.rate - b.dividend) * b.time;
  const auto d1 = x / v + 0.5 * v;
  const auto d2 = d1 - v;
  const auto N1 = 0.5 * torch::erfc(-kInvSqrt2 * w * d1);
  const auto N2 = 0.5 * torch::erfc(-kInvSqrt2 * w * d2);
  const auto p = kInvSqrt2Pi * torch::exp(-0.5 * d1 * d1);
  const auto Dq = torch::exp(-q * b.time);
  const auto Dr = torch::exp(-b.rate * b.time);
  const auto A = w * S * Dq * N1;
  const auto B = w * b.strike * Dr * N2;
  const auto price = A - B;
  const auto vega = S * Dq * p * sqrt_t;
  auto out = torch::empty({kNumGreeks, b.size()}, S.options());
  out[kPrice] = price;
  out[kDelta] = w * Dq * N1;
  out[kVega] = vega;
  out[kTheta] = -vega * b.vol / (2 * b.time) + q * A - b.rate * B;
  out[kRho] = black76 ? -b.time * price : b.time * B;
  out[kEpsilon] = black76 ? torch::zeros_like(price) : -b.time * A;
  out[kGamma] = Dq * p / (S * v);
  out[kVanna] = -Dq * p * d2 / b.vol;
  out[kVolga] = vega * d1 * d2 / b.vol;
  return out;
}

namespace {

// One CPU chunk of m rows: a few fused loops, vectorized (AVX2 where the CPU has it), around libtorch's vectorized
// log, sqrt and exp, so each value is touched a few times instead of once per arithmetic op. Both normal CDFs come
// from erfcx (a series, no exp) and the one density exp: exp(-d1^2/2) = sqrt(2 pi) pdf(d1), and
// pdf(d2) = pdf(d1) (S/K) exp((r-q)T) (Black-76: pdf(d1) F/K).
constexpr double kSqrt2Pi = 2.50662827463100050242;

__attribute__((always_inline)) inline void ratios(const double* __restrict S, const double* __restrict K,
                                                  const double* __restrict T, double* __restrict ratio,
                                                  double* __restrict log_ratio, double* __restrict time, int64_t m) {
  for (int64_t i = 0; i < m; ++i) {
    ratio[i] = log_ratio[i] = S[i] / K[i];
    time[i] = T[i];
  }
}

// d1, 1/v, the erfc arguments z = -w d / sqrt(2) (rows z1 | z2, padded to `stride` with zeros) and the exponents
// (rows: log pdf(d1) | -rT | (r-q)T).
template <bool black76>
__attribute__((always_inline)) inline void d_terms(const double* __restrict vol, const double* __restrict T,
                                                   const double* __restrict r, const double* __restrict q,
                                                   const double* __restrict w, const double* __restrict log_ratio,
                                                   const double* __restrict sqrt_t, double* __restrict d1s,
                                                   double* __restrict inv_vs, double* __restrict z,
                                                   double* __restrict e, int64_t m, int64_t stride) {
  for (int64_t i = 0; i < m; ++i) {
    const double v = vol[i] * sqrt_t[i];
    const double inv_v = 1 / v;
    const double x = black76 ? log_ratio[i] : log_ratio[i] + (r[i] - q[i]) * T[i];
    const double d1 = x * inv_v + 0.5 * v;
    d1s[i] = d1;
    inv_vs[i] = inv_v;
    z[i] = -kInvSqrt2 * w[i] * d1;
    z[stride + i] = -kInvSqrt2 * w[i] * (d1 - v);
    e[i] = kLogInvSqrt2Pi - 0.5 * d1 * d1;
    e[m + i] = -r[i] * T[i];
    if constexpr (!black76) e[2 * m + i] = (r[i] - q[i]) * T[i];
  }
  for (int64_t i = m; i < stride; ++i) z[i] = z[stride + i] = 0;
}

template <bool black76>
__attribute__((always_inline)) inline void greeks_loop(
    const double* __restrict S, const double* __restrict K, const double* __restrict vol, const double* __restrict T,
    const double* __restrict r, const double* __restrict q, const double* __restrict w, const double* __restrict ratio,
    const double* __restrict sqrt_t, const double* __restrict d1s, const double* __restrict inv_vs,
    const double* __restrict z, const double* __restrict ex, const double* __restrict e, int64_t m, int64_t stride,
    double* __restrict o_price, double* __restrict o_delta, double* __restrict o_vega, double* __restrict o_theta,
    double* __restrict o_rho, double* __restrict o_epsilon, double* __restrict o_gamma, double* __restrict o_vanna,
    double* __restrict o_volga) {
  // Every pointer is a restrict parameter: GCC then knows no store aliases an input or another output and
  // vectorizes without run-time overlap checks (16 inputs x 9 outputs are too many to check).
  for (int64_t i = 0; i < m; ++i) {
    Pieces x;
    x.S = S[i], x.K = K[i], x.vol = vol[i], x.T = T[i], x.r = r[i], x.q = (black76 ? r : q)[i], x.w = w[i];
    x.sqrt_t = sqrt_t[i];
    x.v = vol[i] * x.sqrt_t;
    x.inv_v = inv_vs[i];
    x.d1 = d1s[i], x.d2 = x.d1 - x.v;
    x.p = e[i];
    x.Dr = e[m + i];
    double carry = 1;  // exp((r-q)T) = Dq / Dr
    if constexpr (!black76) carry = e[2 * m + i];
    x.Dq = x.Dr * carry;
    const double p2 = x.p * ratio[i] * carry;           // pdf(d2)
    const double half1 = 0.5 * kSqrt2Pi * x.p * ex[i];  // erfc(|z1|) / 2 = erfcx(|z1|) exp(-z1^2) / 2
    const double half2 = 0.5 * kSqrt2Pi * p2 * ex[stride + i];
    const double neg1 = z[i] < 0, neg2 = z[stride + i] < 0;  // erfc(-y) = 2 - erfc(y), as arithmetic: no branch
    x.N1 = half1 + neg1 * (1 - 2 * half1);
    x.N2 = half2 + neg2 * (1 - 2 * half2);
    const auto g = greeks_from(black76, x);
    o_price[i] = g[kPrice];
    o_delta[i] = g[kDelta];
    o_vega[i] = g[kVega];
    o_theta[i] = g[kTheta];
    o_rho[i] = g[kRho];
    o_epsilon[i] = g[kEpsilon];
    o_gamma[i] = g[kGamma];
    o_vanna[i] = g[kVanna];
    o_volga[i] = g[kVolga];
  }
}

// The loops per model (below), each built for AVX2 too: the model is a compile-time constant inside, so no loop
// carries a branch on it (a conditional load would keep GCC from vectorizing).
TORCHLAB_SIMD_CLONES void ratios_loop(const double* __restrict S, const double* __restrict K,
                                      const double* __restrict T, double* __restrict ratio,
                                      double* __restrict log_ratio, double* __restrict time, int64_t m) {
  ratios(S, K, T, ratio, log_ratio, time, m);
}
TORCHLAB_SIMD_CLONES void d_terms_black76(const double* __restrict vol, const double* __restrict T,
                                          const double* __restrict r, const double* __restrict q,
                                          const double* __restrict w, const double* __restrict log_ratio,
                                          const double* __restrict sqrt_t, double* __restrict d1s,
                                          double* __restrict inv_vs, double* __restrict z, double* __restrict e,
                                          int64_t m, int64_t stride) {
  d_terms<true>(vol, T, r, q, w, log_ratio, sqrt_t, d1s, inv_vs, z, e, m, stride);
}
TORCHLAB_SIMD_CLONES void d_terms_bsm(const double* __restrict vol, const double* __restrict T,
                                      const double* __restrict r, const double* __restrict q,
                                      const double* __restrict w, const double* __restrict log_ratio,
                                      const double* __restrict sqrt_t, double* __restrict d1s,
                                      double* __restrict inv_vs, double* __restrict z, double* __restrict e, int64_t m,
                                      int64_t stride) {
  d_terms<false>(vol, T, r, q, w, log_ratio, sqrt_t, d1s, inv_vs, z, e, m, stride);
}
TORCHLAB_SIMD_CLONES void greeks_black76(const double* __restrict S, const double* __restrict K,
                                         const double* __restrict vol, const double* __restrict T,
                                         const double* __restrict r, const double* __restrict q,
                                         const double* __restrict w, const double* __restrict ratio,
                                         const double* __restrict sqrt_t, const double* __restrict d1s,
                                         const double* __restrict inv_vs, const double* __restrict z,
                                         const double* __restrict ex, const double* __restrict e, int64_t m,
                                         int64_t stride, double* const* out) {
  greeks_loop<true>(S, K, vol, T, r, q, w, ratio, sqrt_t, d1s, inv_vs, z, ex, e, m, stride, out[0], out[1], out[2],
                    out[3], out[4], out[5], out[6], out[7], out[8]);
}
TORCHLAB_SIMD_CLONES void greeks_bsm(const double* __restrict S, const double* __restrict K,
                                     const double* __restrict vol, const double* __restrict T,
                                     const double* __restrict r, const double* __restrict q, const double* __restrict w,
                                     const double* __restrict ratio, const double* __restrict sqrt_t,
                                     const double* __restrict d1s, const double* __restrict inv_vs,
                                     const double* __restrict z, const double* __restrict ex,
                                     const double* __restrict e, int64_t m, int64_t stride, double* const* out) {
  greeks_loop<false>(S, K, vol, T, r, q, w, ratio, sqrt_t, d1s, inv_vs, z, ex, e, m, stride, out[0], out[1], out[2],
                     out[3], out[4], out[5], out[6], out[7], out[8]);
}

void closed_form_chunk(bool black76, const double* S, const double* K, const double* vol, const double* T,
                       const double* r, const double* q, const double* w, int64_t m, double* const* out) {
  const int64_t stride = (m + 15) / 16 * 16;  // erfcx works in blocks of 16
  // Rows of m: 0 S/K, 1 log(S/K), 2 sqrt(T), 3 d1, 4 1/v, 5-7 exponents then exps; then 2 x stride for z, erfcx.
  auto buf = torch::empty({8 * m + 4 * stride}, torch::kFloat64);
  double* base = buf.data_ptr<double>();
  auto row = [&](int k) { return base + k * m; };
  double* z = base + 8 * m;
  double* ex = z + 2 * stride;
  auto logs = buf.narrow(0, m, m), roots = buf.narrow(0, 2 * m, m), es = buf.narrow(0, 5 * m, (black76 ? 2 : 3) * m);
  ratios_loop(S, K, T, row(0), row(1), row(2), m);
  torch::log_out(logs, logs);
  torch::sqrt_out(roots, roots);
  (black76 ? d_terms_black76 : d_terms_bsm)(vol, T, r, q, w, row(1), row(2), row(3), row(4), z, row(5), m, stride);
  erfcx_abs(z, ex, 2 * stride);
  torch::exp_out(es, es);
  (black76 ? greeks_black76 : greeks_bsm)(S, K, vol, T, r, q, w, row(0), row(2), row(3), row(4), z, ex, row(5), m,
                                          stride, out);
}

}  // namespace

GreekValues closed_form_greeks(const Option& o) {
  const bool black76 = o.model == Model::black76;
  Pieces x;
  x.S = o.underlying, x.K = o.strike, x.vol = o.vol, x.T = o.time, x.r = o.rate;
  x.q = black76 ? o.rate : o.dividend;
  x.w = o.put ? -1.0 : 1.0;
  x.sqrt_t = std::sqrt(o.time);
  x.v = o.vol * x.sqrt_t;
  x.inv_v = 1 / x.v;
  const double m = std::log(o.underlying / o.strike);
  const double xm = black76 ? m : m + (x.r - x.q) * x.T;
  x.d1 = xm / x.v + 0.5 * x.v;
  x.d2 = x.d1 - x.v;
  x.N1 = norm_cdf(x.d1, x.w);
  x.N2 = norm_cdf(x.d2, x.w);
  x.p = norm_pdf(x.d1);
  x.Dq = std::exp(-x.q * x.T);
  x.Dr = std::exp(-x.r * x.T);
  return greeks_from(black76, x);
}

torch::Tensor closed_form_greeks(const OptionTensors& batch) {
  if (!batch.device().is_cpu()) return closed_form_greeks_ops(batch);
  auto out = empty_output(kNumGreeks, batch.size(), torch::kCPU);
  closed_form_greeks(batch, out);
  return out;
}

void closed_form_greeks(const OptionTensors& batch, torch::Tensor& out) {
  check_output(out, batch);
  if (!batch.device().is_cpu()) {
    out.copy_(closed_form_greeks_ops(batch));
    return;
  }
  const auto b = batch.contiguous();
  const int64_t n = b.size();
  const double* S = b.underlying.data_ptr<double>();
  const double* K = b.strike.data_ptr<double>();
  const double* vol = b.vol.data_ptr<double>();
  const double* T = b.time.data_ptr<double>();
  const double* r = b.rate.data_ptr<double>();
  const double* q = b.dividend.data_ptr<double>();
  const double* w = b.sign.data_ptr<double>();
  double* rows = out.data_ptr<double>();
  const bool black76 = b.model == Model::black76;
  for_each_chunk(n, kCpuChunk, [&](int64_t begin, int64_t end) {
    double* o[kNumGreeks];
    for (int g = 0; g < kNumGreeks; ++g) o[g] = rows + g * n + begin;
    closed_form_chunk(black76, S + begin, K + begin, vol + begin, T + begin, r + begin, q + begin, w + begin,
                      end - begin, o);
  });
}

}  // namespace torchlab::finance
