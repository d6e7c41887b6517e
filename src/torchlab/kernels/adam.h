#pragma once
// The Adam update of float32 parameters, element by element, in libtorch's own float operations and order, so that
// the fused optimizer (train/fused_adam.h) and torch::optim::Adam compute the same bits on the CPU:
//   g' = g + wd * w (one fused multiply-add)      m = (1 - b1) * g' + b1 * m (fma)      v = (1 - b2) * g' * g' + b2 * v
//   (fma) w = w + (-lr / bc1 * m) / (sqrt(max(v, vmax) or v) / sqrt(bc2) + eps)
// with bc1 = 1 - b1^step and bc2 = 1 - b2^step computed in double. libtorch's vectorized add-with-alpha and addcmul
// are fused multiply-adds; its addcdiv is (value * t1) / t2.
#include <cstdint>

namespace torchlab::kernels {

struct AdamScalars {
  float b1, b2, one_b1, one_b2, sqrt_bc2, eps, wd, step_size;
};

// The scalars of the update that makes `step` steps (1-based), as torch::optim::Adam rounds them.
AdamScalars adam_scalars(double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step);

// Updates elements [begin, end) of w, m, v (and vmax, the running maximum of v for amsgrad; null otherwise).
void adam_update(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                 const AdamScalars& k);
// The same update as a plain loop without dispatch: the reference the fast one is tested against.
void adam_update_reference(float* w, const float* g, float* m, float* v, float* vmax, int64_t begin, int64_t end,
                           const AdamScalars& k);

}  // namespace torchlab::kernels
