#include "torchlab/kernels/adam.h"

#include <algorithm>
#include <cmath>

#include "torchlab/kernels/vec_math.h"

namespace torchlab::kernels {
namespace {

// One element; std::fma is one instruction in the FMA instantiation and an exact library call elsewhere, so both
// round the same way. The kernels build with -fno-math-errno, so the loop with its sqrt vectorizes.
template <bool kDecay, bool kAmsgrad>
TORCHLAB_INLINE void adam_element(float* __restrict w, const float* __restrict g, float* __restrict m,
                                  float* __restrict v, float* __restrict vmax, int64_t i, const AdamScalars& k) {
  const float gi = kDecay ? std::fma(k.wd, w[i], g[i]) : g[i];
  const float mi = std::fma(k.one_b1, gi, m[i] * k.b1);
  const float vi = std::fma(k.one_b2 * gi, gi, v[i] * k.b2);
  m[i] = mi;
  v[i] = vi;
  float vd = vi;
  if constexpr (kAmsgrad) vd = vmax[i] = std::max(vmax[i], vi);
  const float denom = std::sqrt(vd) / k.sqrt_bc2 + k.eps;
  w[i] = w[i] + (-k.step_size * mi) / denom;
}

template <bool kDecay, bool kAmsgrad>
TORCHLAB_INLINE void adam_loop(float* __restrict w, const float* __restrict g, float* __restrict m, float* __restrict v,
                               float* __restrict vmax, int64_t begin, int64_t end, const AdamScalars& k) {
  for (int64_t i = begin; i < end; ++i) adam_element<kDecay, kAmsgrad>(w, g, m, v, vmax, i, k);
}

// The branches on weight decay and amsgrad taken once per call, outside the loop.
TORCHLAB_INLINE void adam_any(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                              const AdamScalars& k) {
  if (k.wd != 0)
    vmax ? adam_loop<true, true>(w, g, m, v, vmax, begin, end, k)
         : adam_loop<true, false>(w, g, m, v, vmax, begin, end, k);
  else
    vmax ? adam_loop<false, true>(w, g, m, v, vmax, begin, end, k)
         : adam_loop<false, false>(w, g, m, v, vmax, begin, end, k);
}

// The loop where the compiler may use 8-wide vectors and std::fma is one instruction.
TORCHLAB_AVX2_FMA void adam_avx2(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                                 const AdamScalars& k) {
  adam_any(w, g, m, v, vmax, begin, end, k);
}

void adam_plain(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                const AdamScalars& k) {
  adam_any(w, g, m, v, vmax, begin, end, k);
}

}  // namespace

AdamScalars adam_scalars(double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step) {
  const double bc1 = 1 - std::pow(beta1, static_cast<double>(step));
  const double bc2 = 1 - std::pow(beta2, static_cast<double>(step));
  AdamScalars k;
  k.b1 = static_cast<float>(beta1);
  k.b2 = static_cast<float>(beta2);
  k.one_b1 = static_cast<float>(1 - beta1);
  k.one_b2 = static_cast<float>(1 - beta2);
  k.sqrt_bc2 = static_cast<float>(std::sqrt(bc2));
  k.eps = static_cast<float>(eps);
  k.wd = static_cast<float>(weight_decay);
  k.step_size = static_cast<float>(lr / bc1);
  return k;
}

void adam_update(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                 const AdamScalars& k) {
  if (cpu_has_avx2_fma())
    adam_avx2(w, g, m, v, vmax, begin, end, k);
  else
    adam_plain(w, g, m, v, vmax, begin, end, k);
}

void adam_update_reference(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                           const AdamScalars& k) {
  for (int64_t i = begin; i < end; ++i) {
    const float grad = k.wd != 0 ? std::fma(k.wd, w[i], g[i]) : g[i];
    m[i] = std::fma(k.one_b1, grad, m[i] * k.b1);
    v[i] = std::fma(k.one_b2 * grad, grad, v[i] * k.b2);
    const float second = vmax ? (vmax[i] = std::max(vmax[i], v[i])) : v[i];
    w[i] = w[i] + (-k.step_size * m[i]) / (std::sqrt(second) / k.sqrt_bc2 + k.eps);
  }
}

}  // namespace torchlab::kernels
