#pragma once
// The kernels' one vector header: GCC/Clang vector types, the one SIMD dispatch idiom, and elementwise exp, sigmoid
// and tanh (no libm calls): exp by Cody-Waite range reduction, a degree-7 polynomial and exponent bits. Kernels are
// templates over the vector type (a float works too, for scalar tails and references).
//
// Dispatch: a hot loop is written once as a template over the vector type and instantiated twice, inside a
// TORCHLAB_AVX2 function (8 lanes) and a plain one (4 lanes, or whatever the target has: SSE2, wasm SIMD128, scalar);
// callers pick with cpu_has_avx2(), checked once. Off x86 (the wasm build) the macro is empty and the check false.
//
// Same bits on every build: every operation here is a separately rounded IEEE float operation (no FMA: the AVX2
// functions do not enable it and the kernels library is compiled with -ffp-contract=off), so a lane computes what the
// scalar code does. Float results are within 2e-7 of the exact values (tested); double uses the standard library.
#include <cmath>
#include <cstdint>
#include <cstring>

#define TORCHLAB_INLINE inline __attribute__((always_inline))

#if defined(__x86_64__) || defined(__i386__)
#define TORCHLAB_AVX2 __attribute__((target("avx2")))
#define TORCHLAB_AVX2_FMA __attribute__((target("avx2,fma")))  // only for explicit std::fma (Adam's libtorch order)
#define TORCHLAB_HAVE_AVX2_DISPATCH 1
#else
#define TORCHLAB_AVX2
#define TORCHLAB_AVX2_FMA
#define TORCHLAB_HAVE_AVX2_DISPATCH 0
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // 32-byte vectors only ever live inside AVX2 functions (all inlined)
#endif

namespace torchlab::kernels {

// Whether the AVX2 instantiations may run (checked once).
inline bool cpu_has_avx2() {
#if TORCHLAB_HAVE_AVX2_DISPATCH
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#else
  return false;
#endif
}

// Whether the AVX2 + FMA instantiations may run (checked once).
inline bool cpu_has_avx2_fma() {
#if TORCHLAB_HAVE_AVX2_DISPATCH
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

}  // namespace torchlab::kernels

namespace torchlab::kernels::fast {

typedef float vf4 __attribute__((vector_size(16)));
typedef int32_t vi4 __attribute__((vector_size(16)));
typedef float vf8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));

// Works on a float or a vector alike (scalar tails use the same code).
template <typename V, typename I>
TORCHLAB_INLINE V exp_approx(V x) {
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
TORCHLAB_INLINE V sigmoid_v(V x) {
  return 1.0f / (exp_approx<V, I>(V{} - x) + 1.0f);
}

template <typename V, typename I>
TORCHLAB_INLINE V tanh_v(V x) {
  // 1 - 2 / (1 + e^2x) loses relative accuracy near 0, where the odd series takes over.
  const V big = 1.0f - 2.0f / (exp_approx<V, I>(x * 2.0f) + 1.0f);
  const V x2 = x * x;
  const V small = x * (x2 * (x2 * (x2 * (x2 * (62.0f / 2835) - 17.0f / 315) + 2.0f / 15) - 1.0f / 3) + 1.0f);
  return (x * x < 0.04f) ? small : big;
}

TORCHLAB_INLINE float exp(float x) { return exp_approx<float, int32_t>(x); }
TORCHLAB_INLINE float sigmoid(float x) { return sigmoid_v<float, int32_t>(x); }
TORCHLAB_INLINE float tanh(float x) { return tanh_v<float, int32_t>(x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh(double x) { return std::tanh(x); }

// out[i] = f(in[i]) for f = sigmoid (Tanh false) or tanh; in and out may be the same array.
template <typename V, typename I, bool Tanh>
TORCHLAB_INLINE void apply(const float* in, float* out, int64_t n) {
  constexpr int64_t lanes = sizeof(V) / sizeof(float);
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    V v;
    std::memcpy(&v, in + i, sizeof v);
    v = Tanh ? tanh_v<V, I>(v) : sigmoid_v<V, I>(v);
    std::memcpy(out + i, &v, sizeof v);
  }
  for (; i < n; ++i) out[i] = Tanh ? tanh(in[i]) : sigmoid(in[i]);
}

template <typename V, typename I>
TORCHLAB_INLINE void apply(const double* in, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = sigmoid(in[i]);
}

}  // namespace torchlab::kernels::fast

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
