#pragma once
// The one pricing formula. Written once as a template so that the libtorch autograd path (T = torch::Tensor), the
// scalar jet path (T = Jet) and plain doubles evaluate exactly the same expression; only the closed-form Greeks,
// which check them, are written out by hand.
#include <cmath>

#include "torchlab/finance/normal.h"

namespace torchlab::finance {

// 1/x: one reciprocal op on tensors (its backward is cheaper than a division's), a reciprocal for jets (jet.h).
inline double reciprocal_of(double x) { return 1 / x; }
inline torch::Tensor reciprocal_of(const torch::Tensor& x) { return x.reciprocal(); }

// Price of a European option. T: the differentiable inputs (underlying S, vol, time t, rate r, dividend q);
// C: the constants (strike K, sign w = +1 call / -1 put). Black-76 (S = forward, q unused):
//   V = exp(-r t) w [S N(w d1) - K N(w d2)]
// Black-Scholes-Merton (S = spot, continuous dividend yield q):
//   V = w [S exp(-q t) N(w d1) - K exp(-r t) N(w d2)]
// with d1 = (log(S/K) [+ (r - q) t]) / (vol sqrt(t)) + vol sqrt(t) / 2 and d2 = d1 - vol sqrt(t).
template <typename T, typename C>
T price_formula(bool black76, const T& S, const C& K, const T& vol, const T& t, const T& r, const T& q, const C& w) {
  using std::exp;
  using std::log;
  using std::sqrt;
  const T v = vol * sqrt(t);
  T x = log(S / K);
  if (!black76) x = x + (r - q) * t;
  const T d1 = x * reciprocal_of(v) + v * 0.5;
  const T d2 = d1 - v;
  if (black76) return exp(-(r * t)) * (S * norm_cdf(d1, w) - norm_cdf(d2, w) * K) * w;
  return (S * exp(-(q * t)) * norm_cdf(d1, w) - exp(-(r * t)) * norm_cdf(d2, w) * K) * w;
}

}  // namespace torchlab::finance
