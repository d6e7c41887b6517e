#include "torchlab/rl/fused_mlp.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "torchlab/core/compat.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/mlp.h"

// The hot loops are compiled twice, for x86-64-v3 (AVX2 + FMA) and the baseline, and picked at load time, so one
// binary is fast on current CPUs and still runs on old ones.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TORCHLAB_SIMD __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TORCHLAB_SIMD
#endif

namespace torchlab::rl {
namespace {

constexpr int kTile = 16;  // batch columns per register tile: two 8-float vectors

int round_up(int n) { return (n + kTile - 1) / kTile * kTile; }

// Eight floats as one value (GCC/Clang vector extension): an AVX register in the x86-64-v3 clone, two SSE registers
// in the baseline one. Accumulators declared as such stay in registers.
typedef float v8 __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
  v8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, v8 v) { __builtin_memcpy(p, &v, sizeof v); }
inline v8 splat(float x) { return v8{x, x, x, x, x, x, x, x}; }
inline v8 relu8(v8 v) { return v > 0 ? v : 0; }
inline float sum8(v8 v) { return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])); }

// out[o, :] = W[o, :] . in + bias[o] (optionally ReLU), feature-major: four output rows by 16 columns per tile, so
// every loaded input vector feeds four accumulators.
TORCHLAB_SIMD void dense_forward(const float* __restrict W, const float* __restrict bias, int O, int I,
                                 const float* __restrict in, float* __restrict out, int cols, bool relu) {
  int o = 0;
  for (; o + 4 <= O; o += 4) {
    const float* w = W + static_cast<size_t>(o) * I;
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      v8 a00 = splat(bias[o]), a01 = a00, a10 = splat(bias[o + 1]), a11 = a10;
      v8 a20 = splat(bias[o + 2]), a21 = a20, a30 = splat(bias[o + 3]), a31 = a30;
      const float* x = in + c0;
      for (int i = 0; i < I; ++i, x += cols) {
        const v8 x0 = load8(x), x1 = load8(x + 8);
        const float k0 = w[i], k1 = w[I + i], k2 = w[2 * I + i], k3 = w[3 * I + i];
        a00 += k0 * x0, a01 += k0 * x1;
        a10 += k1 * x0, a11 += k1 * x1;
        a20 += k2 * x0, a21 += k2 * x1;
        a30 += k3 * x0, a31 += k3 * x1;
      }
      if (relu) {
        a00 = relu8(a00), a01 = relu8(a01), a10 = relu8(a10), a11 = relu8(a11);
        a20 = relu8(a20), a21 = relu8(a21), a30 = relu8(a30), a31 = relu8(a31);
      }
      float* y = out + static_cast<size_t>(o) * cols + c0;
      store8(y, a00), store8(y + 8, a01);
      store8(y + cols, a10), store8(y + cols + 8, a11);
      store8(y + 2 * cols, a20), store8(y + 2 * cols + 8, a21);
      store8(y + 3 * cols, a30), store8(y + 3 * cols + 8, a31);
    }
  }
  for (; o < O; ++o) {
    const float* w = W + static_cast<size_t>(o) * I;
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      v8 a0 = splat(bias[o]), a1 = a0;
      const float* x = in + c0;
      for (int i = 0; i < I; ++i, x += cols) a0 += w[i] * load8(x), a1 += w[i] * load8(x + 8);
      if (relu) a0 = relu8(a0), a1 = relu8(a1);
      float* y = out + static_cast<size_t>(o) * cols + c0;
      store8(y, a0), store8(y + 8, a1);
    }
  }
}

// gW[o, i] = sum_c dz[o, c] in[i, c];  gb[o] = sum_c dz[o, c]. Two rows of dz by four rows of `in` per pass.
TORCHLAB_SIMD void dense_weight_grad(const float* __restrict dz, int O, int I, const float* __restrict in, int cols,
                                     float* __restrict gW, float* __restrict gb) {
  for (int o = 0; o < O; ++o) {
    const float* d = dz + static_cast<size_t>(o) * cols;
    v8 s = splat(0);
    for (int c = 0; c < cols; c += 8) s += load8(d + c);
    gb[o] = sum8(s);
  }
  int o = 0;
  for (; o + 2 <= O; o += 2) {
    const float* d0 = dz + static_cast<size_t>(o) * cols;
    const float* d1 = d0 + cols;
    int i = 0;
    for (; i + 4 <= I; i += 4) {
      const float* x = in + static_cast<size_t>(i) * cols;
      v8 a00 = splat(0), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      for (int c = 0; c < cols; c += 8) {
        const v8 g0 = load8(d0 + c), g1 = load8(d1 + c);
        const v8 x0 = load8(x + c), x1 = load8(x + cols + c), x2 = load8(x + 2 * cols + c),
                 x3 = load8(x + 3 * cols + c);
        a00 += g0 * x0, a01 += g0 * x1, a02 += g0 * x2, a03 += g0 * x3;
        a10 += g1 * x0, a11 += g1 * x1, a12 += g1 * x2, a13 += g1 * x3;
      }
      float* g = gW + static_cast<size_t>(o) * I + i;
      g[0] = sum8(a00), g[1] = sum8(a01), g[2] = sum8(a02), g[3] = sum8(a03);
      g[I] = sum8(a10), g[I + 1] = sum8(a11), g[I + 2] = sum8(a12), g[I + 3] = sum8(a13);
    }
    for (; i < I; ++i) {
      const float* x = in + static_cast<size_t>(i) * cols;
      v8 a0 = splat(0), a1 = a0;
      for (int c = 0; c < cols; c += 8) a0 += load8(d0 + c) * load8(x + c), a1 += load8(d1 + c) * load8(x + c);
      gW[static_cast<size_t>(o) * I + i] = sum8(a0);
      gW[static_cast<size_t>(o + 1) * I + i] = sum8(a1);
    }
  }
  for (; o < O; ++o) {
    const float* d = dz + static_cast<size_t>(o) * cols;
    for (int i = 0; i < I; ++i) {
      const float* x = in + static_cast<size_t>(i) * cols;
      v8 a = splat(0);
      for (int c = 0; c < cols; c += 8) a += load8(d + c) * load8(x + c);
      gW[static_cast<size_t>(o) * I + i] = sum8(a);
    }
  }
}

// din[i, c] = sum_o W[o, i] dz[o, c], zeroed where the layer's input (a ReLU output) was not positive.
TORCHLAB_SIMD void dense_input_grad(const float* __restrict W, int O, int I, const float* __restrict dz, int cols,
                                    const float* __restrict in, float* __restrict din) {
  auto masked = [](v8 a, const float* x) { return load8(x) > 0 ? a : 0; };
  int i = 0;
  for (; i + 4 <= I; i += 4) {
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      v8 a00 = splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      const float* d = dz + c0;
      const float* w = W + i;
      for (int o = 0; o < O; ++o, d += cols, w += I) {
        const v8 d0 = load8(d), d1 = load8(d + 8);
        a00 += w[0] * d0, a01 += w[0] * d1;
        a10 += w[1] * d0, a11 += w[1] * d1;
        a20 += w[2] * d0, a21 += w[2] * d1;
        a30 += w[3] * d0, a31 += w[3] * d1;
      }
      const float* x = in + static_cast<size_t>(i) * cols + c0;
      float* y = din + static_cast<size_t>(i) * cols + c0;
      store8(y, masked(a00, x)), store8(y + 8, masked(a01, x + 8));
      store8(y + cols, masked(a10, x + cols)), store8(y + cols + 8, masked(a11, x + cols + 8));
      store8(y + 2 * cols, masked(a20, x + 2 * cols)), store8(y + 2 * cols + 8, masked(a21, x + 2 * cols + 8));
      store8(y + 3 * cols, masked(a30, x + 3 * cols)), store8(y + 3 * cols + 8, masked(a31, x + 3 * cols + 8));
    }
  }
  for (; i < I; ++i) {
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      v8 a0 = splat(0), a1 = a0;
      const float* d = dz + c0;
      for (int o = 0; o < O; ++o, d += cols) {
        const float k = W[static_cast<size_t>(o) * I + i];
        a0 += k * load8(d), a1 += k * load8(d + 8);
      }
      const float* x = in + static_cast<size_t>(i) * cols + c0;
      float* y = din + static_cast<size_t>(i) * cols + c0;
      store8(y, masked(a0, x)), store8(y + 8, masked(a1, x + 8));
    }
  }
}

// y = W x + b for one row-major sample (acting on a single board).
TORCHLAB_SIMD void dense_row(const float* __restrict W, const float* __restrict bias, int O, int I,
                             const float* __restrict x, float* __restrict y, bool relu) {
  for (int o = 0; o < O; ++o) {
    const float* w = W + static_cast<size_t>(o) * I;
    float s = 0;
    for (int i = 0; i < I; ++i) s += w[i] * x[i];
    s += bias[o];
    y[o] = relu ? std::max(s, 0.0f) : s;
  }
}

// (1 - tau) t + tau o in the form torch's lerp_ uses (as train::ema_update does), so both paths agree.
TORCHLAB_SIMD void ema_update(float* __restrict t, const float* __restrict o, int64_t n, float tau) {
  if (tau < 0.5f) {
    for (int64_t k = 0; k < n; ++k) t[k] = t[k] + tau * (o[k] - t[k]);
  } else {
    const float rest = 1 - tau;
    for (int64_t k = 0; k < n; ++k) t[k] = o[k] - (o[k] - t[k]) * rest;
  }
}

float* float_data(const torch::Tensor& t, const std::string& name) {
  if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat32 || !t.is_contiguous())
    throw UserError("the fused MLP path needs contiguous float32 CPU parameters; '" + name +
                    "' is not (use the libtorch path for other devices and dtypes)");
  return t.data_ptr<float>();
}

}  // namespace

FusedMlp::FusedMlp(MlpImpl& module) {
  for (int64_t s : module.sizes()) sizes_.push_back(static_cast<int>(s));
  const size_t L = module.layers().size();
  gw_.resize(L);
  gb_.resize(L);
  for (size_t l = 0; l < L; ++l) {
    const auto& layer = module.layers()[l];
    w_.push_back(float_data(layer->weight, "fc" + std::to_string(l + 1) + ".weight"));
    b_.push_back(float_data(layer->bias, "fc" + std::to_string(l + 1) + ".bias"));
    gw_[l].assign(layer->weight.numel(), 0.0f);
    gb_[l].assign(layer->bias.numel(), 0.0f);
  }
  for (size_t l = 0; l < L; ++l) {
    params_.push_back({w_[l], gw_[l].data(), static_cast<int64_t>(gw_[l].size())});
    params_.push_back({b_[l], gb_[l].data(), static_cast<int64_t>(gb_[l].size())});
  }
  act_.resize(sizes_.size());
  int widest = *std::max_element(sizes_.begin(), sizes_.end());
  row_a_.resize(widest);
  row_b_.resize(widest);
}

void FusedMlp::resize(int n) {
  n_ = n;
  const int cols = round_up(std::max(n, 1));
  if (cols == cols_) return;
  cols_ = cols;
  // Grow only: every kernel writes what it reads later, so stale contents never matter.
  int widest = 0;
  for (size_t l = 0; l < sizes_.size(); ++l) {
    if (act_[l].size() < static_cast<size_t>(sizes_[l]) * cols) act_[l].resize(static_cast<size_t>(sizes_[l]) * cols);
    widest = std::max(widest, sizes_[l]);
  }
  if (dout_.size() < static_cast<size_t>(outputs()) * cols) dout_.resize(static_cast<size_t>(outputs()) * cols);
  if (grad_a_.size() < static_cast<size_t>(widest) * cols) {
    grad_a_.resize(static_cast<size_t>(widest) * cols);
    grad_b_.resize(static_cast<size_t>(widest) * cols);
  }
}

void FusedMlp::train_forward(const float* x, int n) {
  resize(n);
  const int in = inputs();
  float* a0 = act_[0].data();
  // Transpose into feature-major columns; padding columns are zero.
  for (int i = 0; i < in; ++i) {
    float* dst = a0 + static_cast<size_t>(i) * cols_;
    for (int c = 0; c < n; ++c) dst[c] = x[static_cast<size_t>(c) * in + i];
    std::fill(dst + n, dst + cols_, 0.0f);
  }
  const size_t L = w_.size();
  for (size_t l = 0; l < L; ++l)
    dense_forward(w_[l], b_[l], sizes_[l + 1], sizes_[l], act_[l].data(), act_[l + 1].data(), cols_, l + 1 < L);
  std::fill(dout_.begin(), dout_.begin() + static_cast<size_t>(outputs()) * cols_, 0.0f);
}

void FusedMlp::backward() {
  const size_t L = w_.size();
  const float* dz = dout_.data();
  for (size_t l = L; l-- > 0;) {
    dense_weight_grad(dz, sizes_[l + 1], sizes_[l], act_[l].data(), cols_, gw_[l].data(), gb_[l].data());
    if (l == 0) break;  // no gradient for the input
    float* din = (dz == grad_a_.data()) ? grad_b_.data() : grad_a_.data();
    dense_input_grad(w_[l], sizes_[l + 1], sizes_[l], dz, cols_, act_[l].data(), din);
    dz = din;
  }
}

void FusedMlp::forward(const float* x, int n, float* q) {
  const size_t L = w_.size();
  const int out = outputs();
  if (n <= 2) {  // one board at a time: row-major dot products beat transposing
    for (int s = 0; s < n; ++s) {
      const float* in = x + static_cast<size_t>(s) * inputs();
      for (size_t l = 0; l < L; ++l) {
        float* y = l + 1 == L ? q + static_cast<size_t>(s) * out : (l % 2 ? row_b_.data() : row_a_.data());
        dense_row(w_[l], b_[l], sizes_[l + 1], sizes_[l], in, y, l + 1 < L);
        in = y;
      }
    }
    return;
  }
  train_forward(x, n);
  const float* o = act_.back().data();
  for (int c = 0; c < n; ++c)
    for (int k = 0; k < out; ++k) q[static_cast<size_t>(c) * out + k] = o[static_cast<size_t>(k) * cols_ + c];
}

void fused_ema(FusedMlp& target, const FusedMlp& online, float tau) {
  auto& t = target.params();
  const auto& o = online.params();
  for (size_t k = 0; k < t.size(); ++k) ema_update(t[k].data, o[k].data, t[k].numel, tau);
}

void fused_copy(FusedMlp& target, const FusedMlp& online) {
  auto& t = target.params();
  const auto& o = online.params();
  for (size_t k = 0; k < t.size(); ++k) std::copy(o[k].data, o[k].data + o[k].numel, t[k].data);
}

}  // namespace torchlab::rl
