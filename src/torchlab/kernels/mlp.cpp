#include "torchlab/kernels/mlp.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // 32-byte vectors only live inside inlined AVX2 code
#endif

#include <algorithm>

#include "torchlab/kernels/vec_math.h"

namespace torchlab::kernels {
namespace {

typedef float v8 __attribute__((vector_size(32)));

// out[o] for o < padded (a multiple of 8) from in[0, inputs): lanes are outputs, the sum runs over i in order.
TORCHLAB_INLINE void dense(const float* __restrict wt, const float* __restrict b, int64_t inputs, int64_t padded,
                           const float* __restrict in, float* __restrict out, bool relu) {
  for (int64_t o = 0; o < padded; o += 8) {
    v8 s = {};
    for (int64_t i = 0; i < inputs; ++i) {
      v8 w;
      std::memcpy(&w, wt + i * padded + o, sizeof w);
      s += w * in[i];
    }
    v8 bias;
    std::memcpy(&bias, b + o, sizeof bias);
    s += bias;
    if (relu) s = s < 0 ? 0 : s;
    std::memcpy(out + o, &s, sizeof s);
  }
}

TORCHLAB_AVX2 void dense_avx2(const float* wt, const float* b, int64_t inputs, int64_t padded, const float* in,
                              float* out, bool relu) {
  dense(wt, b, inputs, padded, in, out, relu);
}

void dense_plain(const float* wt, const float* b, int64_t inputs, int64_t padded, const float* in, float* out,
                 bool relu) {
  dense(wt, b, inputs, padded, in, out, relu);
}

}  // namespace

MlpForward::MlpForward(const std::vector<MlpLayer>& layers) {
  sizes_.push_back(layers.front().in);
  for (const auto& layer : layers) {
    const int64_t padded = (layer.out + 7) / 8 * 8;
    sizes_.push_back(layer.out);
    padded_.push_back(padded);
    std::vector<float> wt(layer.in * padded, 0.0f), b(padded, 0.0f);
    for (int64_t o = 0; o < layer.out; ++o) {
      b[o] = layer.b[o];
      for (int64_t i = 0; i < layer.in; ++i) wt[i * padded + o] = layer.w[o * layer.in + i];
    }
    wt_.push_back(std::move(wt));
    b_.push_back(std::move(b));
  }
  const int64_t widest = *std::max_element(padded_.begin(), padded_.end());
  act_a_.resize(widest);
  act_b_.resize(widest);
}

void MlpForward::forward(const float* x, int64_t n, float* y) {
  const bool avx2 = cpu_has_avx2();
  const size_t L = wt_.size();
  for (int64_t row = 0; row < n; ++row) {
    const float* in = x + row * inputs();
    for (size_t l = 0; l < L; ++l) {
      float* out = l % 2 ? act_b_.data() : act_a_.data();
      if (avx2) {
        dense_avx2(wt_[l].data(), b_[l].data(), sizes_[l], padded_[l], in, out, l + 1 < L);
      } else {
        dense_plain(wt_[l].data(), b_[l].data(), sizes_[l], padded_[l], in, out, l + 1 < L);
      }
      in = out;
    }
    std::copy(in, in + outputs(), y + row * outputs());
  }
}

void mlp_forward_reference(const std::vector<MlpLayer>& layers, const float* x, int64_t n, float* y) {
  for (int64_t row = 0; row < n; ++row) {
    std::vector<float> in(x + row * layers.front().in, x + (row + 1) * layers.front().in);
    for (size_t l = 0; l < layers.size(); ++l) {
      const auto& L = layers[l];
      std::vector<float> out(L.out);
      for (int64_t o = 0; o < L.out; ++o) {
        float s = 0;
        for (int64_t i = 0; i < L.in; ++i) s += L.w[o * L.in + i] * in[i];
        s += L.b[o];
        out[o] = l + 1 < layers.size() && s < 0 ? 0.0f : s;
      }
      in = std::move(out);
    }
    std::copy(in.begin(), in.end(), y + row * layers.back().out);
  }
}

}  // namespace torchlab::kernels
