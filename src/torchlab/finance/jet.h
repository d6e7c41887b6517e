#pragma once
// Second-order forward-mode automatic differentiation on plain doubles: a value with its gradient over N inputs and
// its Hessian over the first H of them. Evaluating a formula on Jets gives exact (to rounding) first and second
// derivatives with no graph, no allocation and no per-op dispatch: the fused scalar path for one option.
#include <array>
#include <cmath>

namespace torchlab::finance {

template <int N, int H>
struct Jet {
  static constexpr int kHess = H * (H + 1) / 2;
  double v = 0;
  std::array<double, N> g{};
  std::array<double, kHess> h{};  // upper triangle, row by row: (0,0) (0,1) .. (0,H-1) (1,1) ..

  Jet() = default;
  Jet(double value) : v(value) {}  // a constant
  static Jet variable(double value, int index) {
    Jet j(value);
    j.g[index] = 1;
    return j;
  }
  double hess(int i, int j) const {
    if (i > j) std::swap(i, j);
    return h[i * H - i * (i - 1) / 2 + (j - i)];
  }
};

// f(a) given f, f'(a) and f''(a): the chain rule to second order.
template <int N, int H>
inline Jet<N, H> chain(const Jet<N, H>& a, double f, double f1, double f2) {
  Jet<N, H> r(f);
  for (int i = 0; i < N; ++i) r.g[i] = f1 * a.g[i];
  for (int i = 0, k = 0; i < H; ++i)
    for (int j = i; j < H; ++j, ++k) r.h[k] = f1 * a.h[k] + f2 * a.g[i] * a.g[j];
  return r;
}

template <int N, int H>
inline Jet<N, H> operator+(const Jet<N, H>& a, const Jet<N, H>& b) {
  Jet<N, H> r(a.v + b.v);
  for (int i = 0; i < N; ++i) r.g[i] = a.g[i] + b.g[i];
  for (int k = 0; k < Jet<N, H>::kHess; ++k) r.h[k] = a.h[k] + b.h[k];
  return r;
}

template <int N, int H>
inline Jet<N, H> operator*(double s, const Jet<N, H>& a) {
  Jet<N, H> r(s * a.v);
  for (int i = 0; i < N; ++i) r.g[i] = s * a.g[i];
  for (int k = 0; k < Jet<N, H>::kHess; ++k) r.h[k] = s * a.h[k];
  return r;
}

template <int N, int H>
inline Jet<N, H> operator*(const Jet<N, H>& a, double s) {
  return s * a;
}

template <int N, int H>
inline Jet<N, H> operator-(const Jet<N, H>& a) {
  return -1.0 * a;
}

template <int N, int H>
inline Jet<N, H> operator-(const Jet<N, H>& a, const Jet<N, H>& b) {
  return a + (-b);
}

template <int N, int H>
inline Jet<N, H> operator*(const Jet<N, H>& a, const Jet<N, H>& b) {
  Jet<N, H> r(a.v * b.v);
  for (int i = 0; i < N; ++i) r.g[i] = a.v * b.g[i] + b.v * a.g[i];
  for (int i = 0, k = 0; i < H; ++i)
    for (int j = i; j < H; ++j, ++k) r.h[k] = a.v * b.h[k] + b.v * a.h[k] + a.g[i] * b.g[j] + a.g[j] * b.g[i];
  return r;
}

template <int N, int H>
inline Jet<N, H> reciprocal(const Jet<N, H>& a) {
  const double inv = 1 / a.v;
  return chain(a, inv, -inv * inv, 2 * inv * inv * inv);
}

template <int N, int H>
inline Jet<N, H> reciprocal_of(const Jet<N, H>& a) {
  return reciprocal(a);
}

template <int N, int H>
inline Jet<N, H> operator/(const Jet<N, H>& a, const Jet<N, H>& b) {
  return a * reciprocal(b);
}

template <int N, int H>
inline Jet<N, H> operator/(const Jet<N, H>& a, double s) {
  return (1 / s) * a;
}

template <int N, int H>
inline Jet<N, H> log(const Jet<N, H>& a) {
  const double inv = 1 / a.v;
  return chain(a, std::log(a.v), inv, -inv * inv);
}

template <int N, int H>
inline Jet<N, H> sqrt(const Jet<N, H>& a) {
  const double s = std::sqrt(a.v);
  return chain(a, s, 0.5 / s, -0.25 / (s * a.v));
}

template <int N, int H>
inline Jet<N, H> exp(const Jet<N, H>& a) {
  const double e = std::exp(a.v);
  return chain(a, e, e, e);
}

// N(w d), the standard normal CDF at w * d for a sign w = +1 / -1.
template <int N, int H>
inline Jet<N, H> norm_cdf(const Jet<N, H>& d, double w) {
  const double p = 0.39894228040143267794 * std::exp(-0.5 * d.v * d.v);
  return chain(d, 0.5 * std::erfc(-0.70710678118654752440 * w * d.v), w * p, -w * d.v * p);
}

}  // namespace torchlab::finance
