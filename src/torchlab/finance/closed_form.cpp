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

// Rows of the CPU chunk: 0.5 * erfc(z) gives the normal CDFs, exp gives the discount factors and the density.
constexpr int64_t kCpuChunk = 4096;

// All Greeks from the shared pieces: S = underlying, d1/d2, N1 = N(w d1), N2 = N(w d2), p = pdf(d1), the discount
// factors Dq = exp(-qT), Dr = exp(-rT) (Black-76: both exp(-rT)), v = vol sqrt(T) and its inverse. Black-76 is BSM
// with q = r, except that its rho moves the dividend discount too (rho = dV/dr with q tied to r = rho_bsm +
// epsilon_bsm). Divisions go through 1/v: 1/vol = sqrt(T)/v and vol/T = vol^3/v^2.
struct Pieces {
  double S, K, vol, T, r, q, w, sqrt_t, v, inv_v, d1, d2, N1, N2, p, Dq, Dr;
};

template <typename Out>
inline void greeks_from(bool black76, const Pieces& x, Out&& out) {
  const double A = x.w * x.S * x.Dq * x.N1;  // price = A - B
  const double B = x.w * x.K * x.Dr * x.N2;
  const double price = A - B;
  const double vega = x.S * x.Dq * x.p * x.sqrt_t;
  out(kPrice, price);
  out(kDelta, x.w * x.Dq * x.N1);
  out(kVega, vega);
  const double inv_vol = x.sqrt_t * x.inv_v;
  const double vol_per_t = x.vol * x.vol * x.vol * x.inv_v * x.inv_v;
  out(kTheta, -0.5 * vega * vol_per_t + x.q * A - x.r * B);
  out(kRho, black76 ? -x.T * price : x.T * B);
  out(kEpsilon, black76 ? 0.0 : -x.T * A);
  out(kGamma, x.Dq * x.p * x.inv_v / x.S);
  out(kVanna, -x.Dq * x.p * x.d2 * inv_vol);
  out(kVolga, vega * x.d1 * x.d2 * inv_vol);
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

// One CPU chunk of m rows: three fused, vectorized loops (AVX2 where the CPU has it) around libtorch's vectorized
// log, sqrt and exp and the vectorized normal CDF, so each value is touched a few times instead of once per op.
TORCHLAB_SIMD_CLONES
void ratios(const double* S, const double* K, const double* T, double* ratio, double* time, int64_t m) {
  for (int64_t i = 0; i < m; ++i) {
    ratio[i] = S[i] / K[i];
    time[i] = T[i];
  }
}

TORCHLAB_SIMD_CLONES
void d_terms(bool black76, const double* vol, const double* T, const double* r, const double* q, const double* w,
             const double* log_ratio, const double* sqrt_t, double* d1s, double* inv_vs, double* z, double* e,
             int64_t m) {
  for (int64_t i = 0; i < m; ++i) {
    const double v = vol[i] * sqrt_t[i];
    const double inv_v = 1 / v;
    const double x = black76 ? log_ratio[i] : log_ratio[i] + (r[i] - q[i]) * T[i];
    const double d1 = x * inv_v + 0.5 * v;
    const double d2 = d1 - v;
    d1s[i] = d1;
    inv_vs[i] = inv_v;
    z[i] = -kInvSqrt2 * w[i] * d1;  // N(w d) = erfc(-w d / sqrt(2)) / 2
    z[m + i] = -kInvSqrt2 * w[i] * d2;
    e[i] = kLogInvSqrt2Pi - 0.5 * d1 * d1;  // pdf(d1) = exp(log(1/sqrt(2 pi)) - d1^2 / 2)
    e[m + i] = -r[i] * T[i];
    if (!black76) e[2 * m + i] = -q[i] * T[i];
  }
}

TORCHLAB_SIMD_CLONES
void greeks_loop(bool black76, const double* S, const double* K, const double* vol, const double* T, const double* r,
                 const double* q, const double* w, const double* sqrt_t, const double* d1s, const double* inv_vs,
                 const double* N, const double* e, int64_t m, double* const* out) {
  for (int64_t i = 0; i < m; ++i) {
    Pieces x;
    x.S = S[i], x.K = K[i], x.vol = vol[i], x.T = T[i], x.r = r[i], x.q = black76 ? r[i] : q[i], x.w = w[i];
    x.sqrt_t = sqrt_t[i];
    x.v = vol[i] * x.sqrt_t;
    x.inv_v = inv_vs[i];
    x.d1 = d1s[i], x.d2 = x.d1 - x.v;
    x.N1 = N[i], x.N2 = N[m + i];
    x.p = e[i], x.Dr = e[m + i], x.Dq = black76 ? x.Dr : e[2 * m + i];
    greeks_from(black76, x, [&](int g, double value) { out[g][i] = value; });
  }
}

void closed_form_chunk(bool black76, const double* S, const double* K, const double* vol, const double* T,
                       const double* r, const double* q, const double* w, int64_t m, double* const* out) {
  // Rows: 0 S/K then its log, 1 sqrt(T), 2-3 N(w d1) | N(w d2), 4-6 pdf(d1) | exp(-rT) | exp(-qT), 7 d1, 8 1/v.
  auto buf = torch::empty({9, m}, torch::kFloat64);
  auto row = [&](int k) { return buf[k].data_ptr<double>(); };
  auto logs = buf[0], roots = buf[1], es = buf.narrow(0, 4, black76 ? 2 : 3);
  ratios(S, K, T, row(0), row(1), m);
  torch::log_out(logs, logs);
  torch::sqrt_out(roots, roots);
  d_terms(black76, vol, T, r, q, w, row(0), row(1), row(7), row(8), row(2), row(4), m);
  half_erfc(row(2), row(2), 2 * m);
  torch::exp_out(es, es);
  greeks_loop(black76, S, K, vol, T, r, q, w, row(1), row(7), row(8), row(2), row(4), m, out);
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
  GreekValues out{};
  greeks_from(black76, x, [&](int g, double value) { out[g] = value; });
  return out;
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
