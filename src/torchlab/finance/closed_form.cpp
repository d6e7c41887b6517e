#include "torchlab/finance/closed_form.h"

#include <torch/torch.h>

#include <cmath>

#include "torchlab/finance/buffers.h"
#include "torchlab/finance/normal.h"
#include "torchlab/finance/parallel.h"

namespace torchlab::finance {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// Rows of the CPU chunk: 0.5 * erfc(z) gives the normal CDFs, exp gives the discount factors and the density.
constexpr int64_t kCpuChunk = 4096;

// All Greeks from the shared pieces: S = underlying, d1/d2, N1 = N(w d1), N2 = N(w d2), p = pdf(d1), the discount
// factors Dq = exp(-qT), Dr = exp(-rT) (Black-76: both exp(-rT)), v = vol sqrt(T). Black-76 is BSM with q = r,
// except that its rho moves the dividend discount too (rho = dV/dr with q tied to r = rho_bsm + epsilon_bsm).
struct Pieces {
  double S, K, vol, T, r, q, w, sqrt_t, v, d1, d2, N1, N2, p, Dq, Dr;
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
  out(kTheta, -vega * x.vol / (2 * x.T) + x.q * A - x.r * B);
  out(kRho, black76 ? -x.T * price : x.T * B);
  out(kEpsilon, black76 ? 0.0 : -x.T * A);
  out(kGamma, x.Dq * x.p / (x.S * x.v));
  out(kVanna, -x.Dq * x.p * x.d2 / x.vol);
  out(kVolga, vega * x.d1 * x.d2 / x.vol);
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

// One CPU chunk of m rows: two fused loops around one vectorized libtorch call each for log and exp, so each value
// is touched a few times instead of once per arithmetic op. The normal CDFs use glibc's erfc, several times faster
// than libtorch's (Sleef's) vectorized one here.
void closed_form_chunk(bool black76, const double* S, const double* K, const double* vol, const double* T,
                       const double* r, const double* q, const double* w, int64_t m, double* const* out) {
  auto buf = torch::empty({6, m}, torch::kFloat64);
  double* lg = buf[0].data_ptr<double>();  // S/K, then log(S/K)
  double* e = buf[1].data_ptr<double>();   // [-0.5 d1^2 | -qT | -rT] for exp: rows 1-3
  double* d1s = buf[4].data_ptr<double>();
  double* sqrt_ts = buf[5].data_ptr<double>();
  for (int64_t i = 0; i < m; ++i) lg[i] = S[i] / K[i];
  auto logs = buf[0];
  torch::log_out(logs, logs);
  for (int64_t i = 0; i < m; ++i) {
    const double qi = black76 ? r[i] : q[i];
    const double sqrt_t = std::sqrt(T[i]);
    const double v = vol[i] * sqrt_t;
    const double x = black76 ? lg[i] : lg[i] + (r[i] - qi) * T[i];
    const double d1 = x / v + 0.5 * v;
    sqrt_ts[i] = sqrt_t;
    d1s[i] = d1;
    e[i] = -0.5 * d1 * d1;
    e[m + i] = -qi * T[i];
    e[2 * m + i] = -r[i] * T[i];
  }
  auto es = buf.narrow(0, 1, 3);
  torch::exp_out(es, es);
  for (int64_t i = 0; i < m; ++i) {
    Pieces x;
    x.S = S[i], x.K = K[i], x.vol = vol[i], x.T = T[i], x.r = r[i], x.q = black76 ? r[i] : q[i], x.w = w[i];
    x.sqrt_t = sqrt_ts[i];
    x.v = vol[i] * x.sqrt_t;
    x.d1 = d1s[i], x.d2 = x.d1 - x.v;
    x.N1 = norm_cdf(x.d1, x.w), x.N2 = norm_cdf(x.d2, x.w);
    x.p = kInvSqrt2Pi * e[i], x.Dq = e[m + i], x.Dr = e[2 * m + i];
    greeks_from(black76, x, [&](int g, double value) { out[g][i] = value; });
  }
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
  const auto b = batch.contiguous();
  const int64_t n = b.size();
  auto out = empty_output(kNumGreeks, n, torch::kCPU);
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
  return out;
}

}  // namespace torchlab::finance
