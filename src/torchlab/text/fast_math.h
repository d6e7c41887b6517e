#pragma once
// Elementwise sigmoid and tanh over arrays, vectorized with the baseline instruction set through GCC/Clang vector
// types (no libm calls): exp by Cody-Waite range reduction, a degree-7 polynomial and exponent bits. Float results are
// within 2e-7 of the exact values (tested); double uses the standard library, for the reference tests.
#include <cmath>
#include <cstdint>
#include <cstring>

namespace torchlab::text::fast {

typedef float vf __attribute__((vector_size(16)));
typedef int32_t vi __attribute__((vector_size(16)));
constexpr int64_t kLanes = sizeof(vf) / sizeof(float);

// Works on a float or a vf alike (scalar tails use the same code).
template <typename V, typename I>
inline V exp_approx(V x) {
  x = x < -87.0f ? V{} - 87.0f : x;
  x = x > 88.0f ? V{} + 88.0f : x;
  // n = round(x / ln 2) by the 1.5 * 2^23 trick: the integer lands in the low mantissa bits.
  const V shifted = x * 1.44269504f + 12582912.0f;
  const V n = shifted - 12582912.0f;
  const V r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // x - n ln2 in two parts
  V p = V{} + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  I bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - 0x4B400000 + 127) << 23;  // 2^n
  V scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

template <typename V, typename I>
inline V sigmoid_v(V x) {
  return 1.0f / (exp_approx<V, I>(V{} - x) + 1.0f);
}

template <typename V, typename I>
inline V tanh_v(V x) {
  // 1 - 2 / (1 + e^2x) loses relative accuracy near 0, where the odd series takes over.
  const V big = 1.0f - 2.0f / (exp_approx<V, I>(x * 2.0f) + 1.0f);
  const V x2 = x * x;
  const V small = x * (x2 * (x2 * (x2 * (x2 * (62.0f / 2835) - 17.0f / 315) + 2.0f / 15) - 1.0f / 3) + 1.0f);
  return (x * x < 0.04f) ? small : big;
}

inline float sigmoid(float x) { return sigmoid_v<float, int32_t>(x); }
inline float tanh(float x) { return tanh_v<float, int32_t>(x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh(double x) { return std::tanh(x); }

inline void sigmoid_inplace(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf v;
    std::memcpy(&v, x + i, sizeof v);
    v = sigmoid_v<vf, vi>(v);
    std::memcpy(x + i, &v, sizeof v);
  }
  for (; i < n; ++i) x[i] = sigmoid(x[i]);
}

inline void tanh_inplace(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf v;
    std::memcpy(&v, x + i, sizeof v);
    v = tanh_v<vf, vi>(v);
    std::memcpy(x + i, &v, sizeof v);
  }
  for (; i < n; ++i) x[i] = tanh(x[i]);
}

// out = tanh(in)
inline void tanh_to(const float* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf v;
    std::memcpy(&v, in + i, sizeof v);
    v = tanh_v<vf, vi>(v);
    std::memcpy(out + i, &v, sizeof v);
  }
  for (; i < n; ++i) out[i] = tanh(in[i]);
}

inline void sigmoid_inplace(double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = sigmoid(x[i]);
}
inline void tanh_inplace(double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
}
inline void tanh_to(const double* in, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
}

}  // namespace torchlab::text::fast
