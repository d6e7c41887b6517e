#include "torchlab/kernels/rnn_step.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // 32-byte vectors only live inside inlined AVX2 code
#endif

#include "torchlab/kernels/vec_math.h"

namespace torchlab::kernels {
namespace {

template <typename V>
TORCHLAB_INLINE V ld(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
TORCHLAB_INLINE void st(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// Gate pre-activation (W_ih x + b_ih) + (W_hh h + b_hh) at offset k: xp holds the first term, gh holds W_hh h.
template <typename V>
TORCHLAB_INLINE V pre(const float* xp, const float* gh, const float* bhh, int64_t k) {
  return ld<V>(xp + k) + (ld<V>(gh + k) + ld<V>(bhh + k));
}

// Lanes [j, j + lanes of V) of one sequence's cell update.
template <typename V, typename I>
TORCHLAB_INLINE void lstm_lanes(const float* xp, const float* gh, const float* bhh, float* h, float* c, int64_t H,
                                int64_t j) {
  const V i = fast::sigmoid_v<V, I>(pre<V>(xp, gh, bhh, j)), f = fast::sigmoid_v<V, I>(pre<V>(xp, gh, bhh, H + j)),
          g = fast::tanh_v<V, I>(pre<V>(xp, gh, bhh, 2 * H + j)),
          o = fast::sigmoid_v<V, I>(pre<V>(xp, gh, bhh, 3 * H + j));
  const V cn = f * ld<V>(c + j) + i * g;
  st(c + j, cn);
  st(h + j, o * fast::tanh_v<V, I>(cn));
}

template <typename V, typename I>
TORCHLAB_INLINE void gru_lanes(const float* xp, const float* gh, const float* bhh, float* h, int64_t H, int64_t j) {
  const V r = fast::sigmoid_v<V, I>(pre<V>(xp, gh, bhh, j)), z = fast::sigmoid_v<V, I>(pre<V>(xp, gh, bhh, H + j));
  const V n = fast::tanh_v<V, I>(ld<V>(xp + 2 * H + j) + r * (ld<V>(gh + 2 * H + j) + ld<V>(bhh + 2 * H + j)));
  const V hp = ld<V>(h + j);
  st(h + j, n + z * (hp - n));
}

template <typename V, typename I>
TORCHLAB_INLINE void cell_rows(RnnCell cell, const float* xp, const float* gh, const float* bhh, float* h, float* c,
                               int64_t H) {
  constexpr int64_t lanes = sizeof(V) / sizeof(float);
  int64_t j = 0;
  if (cell == RnnCell::Lstm) {
    for (; j + lanes <= H; j += lanes) lstm_lanes<V, I>(xp, gh, bhh, h, c, H, j);
    for (; j < H; ++j) lstm_lanes<float, int32_t>(xp, gh, bhh, h, c, H, j);
  } else {
    for (; j + lanes <= H; j += lanes) gru_lanes<V, I>(xp, gh, bhh, h, H, j);
    for (; j < H; ++j) gru_lanes<float, int32_t>(xp, gh, bhh, h, H, j);
  }
}

TORCHLAB_AVX2 void cell_avx2(RnnCell cell, const float* xp, const float* gh, const float* bhh, float* h, float* c,
                             int64_t H) {
  cell_rows<fast::vf8, fast::vi8>(cell, xp, gh, bhh, h, c, H);
}

void cell_plain(RnnCell cell, const float* xp, const float* gh, const float* bhh, float* h, float* c, int64_t H) {
  cell_rows<fast::vf4, fast::vi4>(cell, xp, gh, bhh, h, c, H);
}

int64_t gate_count(RnnCell cell) { return cell == RnnCell::Lstm ? 4 : 3; }

}  // namespace

int64_t rnn_state_floats(const RnnWeights& w) {
  return static_cast<int64_t>(w.layers.size()) * w.hidden * (w.cell == RnnCell::Lstm ? 2 : 1);
}

RnnStepper::RnnStepper(const RnnWeights& w)
    : cell_(w.cell), vocab_(w.vocab), hidden_(w.hidden), gates_(gate_count(w.cell) * w.hidden) {
  const int64_t H = hidden_, G = gates_;
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const auto& src = w.layers[l];
    Layer layer;
    layer.b_ih.assign(src.b_ih, src.b_ih + G);
    layer.b_hh.assign(src.b_hh, src.b_hh + G);
    layer.w_hh = PackedRows(src.w_hh, G, H);
    if (l == 0) {
      layer.table.resize(vocab_ * G);
      for (int64_t v = 0; v < vocab_; ++v)
        for (int64_t j = 0; j < G; ++j) layer.table[v * G + j] = src.w_ih[j * vocab_ + v] + src.b_ih[j];
    } else {
      layer.w_ih = PackedRows(src.w_ih, G, H);
    }
    layers_.push_back(std::move(layer));
  }
  head_ = PackedRows(w.head_w, vocab_, H);
  head_b_.assign(w.head_b, w.head_b + vocab_);
}

int64_t RnnStepper::state_floats() const { return layers() * hidden_ * (cell_ == RnnCell::Lstm ? 2 : 1); }

void RnnStepper::step(const int32_t* tokens, int64_t batch, float* state, float* logits) {
  const int64_t H = hidden_, G = gates_, S = state_floats(), per_layer = cell_ == RnnCell::Lstm ? 2 * H : H;
  if (gh_.size() < static_cast<size_t>(batch * G)) {
    gh_.resize(batch * G);
    gx_.resize(batch * G);
  }
  const bool avx2 = cpu_has_avx2();
  for (int64_t l = 0; l < layers(); ++l) {
    Layer& layer = layers_[l];
    float* h = state + l * per_layer;
    layer.w_hh.matvec(h, S, batch, gh_.data(), G);
    if (l > 0) {
      layer.w_ih.matvec(h - per_layer, S, batch, gx_.data(), G);  // the layer below, already advanced
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t j = 0; j < G; ++j) gx_[b * G + j] += layer.b_ih[j];
    }
    for (int64_t b = 0; b < batch; ++b) {
      const float* xp = l == 0 ? layer.table.data() + static_cast<int64_t>(tokens[b]) * G : gx_.data() + b * G;
      float* hb = h + b * S;
      float* cb = cell_ == RnnCell::Lstm ? hb + H : nullptr;
      if (avx2) {
        cell_avx2(cell_, xp, gh_.data() + b * G, layer.b_hh.data(), hb, cb, H);
      } else {
        cell_plain(cell_, xp, gh_.data() + b * G, layer.b_hh.data(), hb, cb, H);
      }
    }
  }
  if (!logits) return;
  head_.matvec(state + (layers() - 1) * per_layer, S, batch, logits, vocab_);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t v = 0; v < vocab_; ++v) logits[b * vocab_ + v] += head_b_[v];
}

void rnn_step_reference(const RnnWeights& w, const int32_t* tokens, int64_t batch, float* state, float* logits) {
  const int64_t H = w.hidden, G = gate_count(w.cell) * H, L = static_cast<int64_t>(w.layers.size());
  const bool lstm = w.cell == RnnCell::Lstm;
  const int64_t S = rnn_state_floats(w), per_layer = lstm ? 2 * H : H;
  std::vector<float> xp(G), gh(G);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t l = 0; l < L; ++l) {
      const auto& W = w.layers[l];
      float* h = state + b * S + l * per_layer;
      float* c = h + H;
      const float* below = h - per_layer;
      for (int64_t j = 0; j < G; ++j) {
        const float wx = l == 0 ? W.w_ih[j * w.vocab + tokens[b]] : dot_reference(W.w_ih + j * H, below, H);
        xp[j] = wx + W.b_ih[j];
        gh[j] = dot_reference(W.w_hh + j * H, h, H);
      }
      for (int64_t j = 0; j < H; ++j) {
        auto a = [&](int q) { return xp[q * H + j] + (gh[q * H + j] + W.b_hh[q * H + j]); };
        if (lstm) {
          const float i = fast::sigmoid(a(0)), f = fast::sigmoid(a(1)), g = fast::tanh(a(2)), o = fast::sigmoid(a(3));
          c[j] = f * c[j] + i * g;
          h[j] = o * fast::tanh(c[j]);
        } else {
          const float r = fast::sigmoid(a(0)), z = fast::sigmoid(a(1));
          const float n = fast::tanh(xp[2 * H + j] + r * (gh[2 * H + j] + W.b_hh[2 * H + j]));
          h[j] = n + z * (h[j] - n);
        }
      }
    }
    if (logits) {
      const float* top = state + b * S + (L - 1) * per_layer;
      for (int64_t v = 0; v < w.vocab; ++v)
        logits[b * w.vocab + v] = dot_reference(w.head_w + v * H, top, H) + w.head_b[v];
    }
  }
}

}  // namespace torchlab::kernels
