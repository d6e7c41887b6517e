#include "torchlab/text/fused_lstm.h"

#pragma GCC diagnostic ignored "-Wpsabi"  // AVX2 vectors stay inside the AVX2 kernels

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "torchlab/kernels/vec_math.h"
#include "torchlab/text/recurrent_gemm.h"

namespace torchlab::text {
namespace {

namespace fast = kernels::fast;

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// c = f * c_prev + i * g (c_prev null = zero state).
template <typename S>
TORCHLAB_INLINE void cell_state_row(const S* __restrict i, const S* __restrict f, const S* __restrict g,
                                    const S* __restrict c_prev, S* __restrict c, int64_t hidden) {
  if (c_prev) {
    for (int64_t j = 0; j < hidden; ++j) c[j] = f[j] * c_prev[j] + i[j] * g[j];
  } else {
    for (int64_t j = 0; j < hidden; ++j) c[j] = i[j] * g[j];
  }
}

using bf16_t = c10::BFloat16;

// One forward step's elementwise work for rows [b0, b1): activates the gates in place (i, f, o sigmoid; g tanh) and
// writes c = f * c_prev + i * g, tanh(c) and h = o * tanh(c). One pass per row while it is in cache. V and I pick the
// vector width of the float activations. bf16 mode: `rec` (the recurrent product, bf16 [B, 4H]) is added to the
// gates first, and h is also written rounded to bf16 into `h_bf16` (the next step's GEMM operand), in the same pass.
template <typename V, typename I, typename S>
TORCHLAB_INLINE void cell_forward_rows(S* gates, const S* c_prev, S* c, S* tc, S* h, int64_t b0, int64_t b1,
                                       int64_t hidden, const bf16_t* rec, bf16_t* h_bf16) {
  for (int64_t b = b0; b < b1; ++b) {
    S* i = gates + b * 4 * hidden;
    S* f = i + hidden;
    S* g = f + hidden;
    S* o = g + hidden;
    S* cb = c + b * hidden;
    S* tcb = tc + b * hidden;
    S* hb = h + b * hidden;
    if (rec) {
      const bf16_t* r = rec + b * 4 * hidden;
      for (int64_t j = 0; j < 4 * hidden; ++j) i[j] += static_cast<float>(r[j]);
    }
    if constexpr (std::is_same_v<S, float>) {
      fast::apply<V, I, false>(i, i, 2 * hidden);
      fast::apply<V, I, true>(g, g, hidden);
      fast::apply<V, I, false>(o, o, hidden);
    } else {
      for (int64_t j = 0; j < 2 * hidden; ++j) i[j] = fast::sigmoid(i[j]);
      for (int64_t j = 0; j < hidden; ++j) g[j] = std::tanh(g[j]);
      for (int64_t j = 0; j < hidden; ++j) o[j] = fast::sigmoid(o[j]);
    }
    const S* cp = c_prev ? c_prev + b * hidden : nullptr;
    cell_state_row(i, f, g, cp, cb, hidden);
    if constexpr (std::is_same_v<S, float>) {
      fast::apply<V, I, true>(cb, tcb, hidden);
    } else {
      for (int64_t j = 0; j < hidden; ++j) tcb[j] = std::tanh(cb[j]);
    }
    for (int64_t j = 0; j < hidden; ++j) hb[j] = o[j] * tcb[j];
    if (h_bf16) {
      bf16_t* out = h_bf16 + b * hidden;
      for (int64_t j = 0; j < hidden; ++j) out[j] = bf16_t(static_cast<float>(hb[j]));
    }
  }
}

__attribute__((target("avx2,fma"))) void cell_forward_avx2(float* gates, const float* c_prev, float* c, float* tc,
                                                           float* h, int64_t b0, int64_t b1, int64_t hidden,
                                                           const bf16_t* rec, bf16_t* h_bf16) {
  cell_forward_rows<fast::vf8, fast::vi8>(gates, c_prev, c, tc, h, b0, b1, hidden, rec, h_bf16);
}

template <typename S>
void cell_forward(S* gates, const S* c_prev, S* c, S* tc, S* h, int64_t b0, int64_t b1, int64_t hidden,
                  const bf16_t* rec, bf16_t* h_bf16) {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if constexpr (std::is_same_v<S, float>) {
    if (avx2) return cell_forward_avx2(gates, c_prev, c, tc, h, b0, b1, hidden, rec, h_bf16);
  }
  cell_forward_rows<fast::vf4, fast::vi4>(gates, c_prev, c, tc, h, b0, b1, hidden, rec, h_bf16);
}

// One row; separate restrict parameters tell the compiler the four gate slices do not overlap.
template <typename S>
void cell_backward_row(S* __restrict gi, S* __restrict gf, S* __restrict gg, S* __restrict go, const S* __restrict dh,
                       const S* __restrict c_prev, const S* __restrict tc, S* __restrict dc, int64_t hidden) {
  for (int64_t j = 0; j < hidden; ++j) {
    const S i = gi[j], f = gf[j], g = gg[j], o = go[j], t = tc[j];
    const S d_c = dc[j] + dh[j] * o * (S(1) - t * t);
    dc[j] = d_c * f;
    gi[j] = d_c * g * i * (S(1) - i);
    gf[j] = d_c * c_prev[j] * f * (S(1) - f);
    gg[j] = d_c * i * (S(1) - g * g);
    go[j] = dh[j] * t * o * (S(1) - o);
  }
}

// bf16 mode: `rec` (bf16 [B, H], step t+1's recurrent gradient) is added to dh first, and the gate gradients are
// also written rounded to bf16 into `g_bf16` (the operand of the next GEMMs), in the same pass over each row.
template <typename S>
void cell_backward(S* gates, S* dh, const S* c_prev, const S* tc, S* dc, int64_t b0, int64_t b1, int64_t hidden,
                   const bf16_t* rec, bf16_t* g_bf16) {
  for (int64_t b = b0; b < b1; ++b) {
    S* gi = gates + b * 4 * hidden;
    const int64_t r = b * hidden;
    if (rec)
      for (int64_t j = 0; j < hidden; ++j) dh[r + j] += static_cast<float>(rec[r + j]);
    cell_backward_row(gi, gi + hidden, gi + 2 * hidden, gi + 3 * hidden, dh + r, c_prev + r, tc + r, dc + r, hidden);
    if (g_bf16) {
      bf16_t* out = g_bf16 + b * 4 * hidden;
      for (int64_t j = 0; j < 4 * hidden; ++j) out[j] = bf16_t(static_cast<float>(gi[j]));
    }
  }
}

// Big per-step buffers (gates, states, gradients: hundreds of MB for tch-rs's sizes) come from here: a fresh
// allocation that large is mmap'd and page-faulted anew on every training step. A buffer is handed out again once no
// tensor shares its storage any more.
class BufferPool {
 public:
  Tensor get(at::IntArrayRef shape, const at::TensorOptions& options) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    std::lock_guard<std::mutex> lock(mu_);
    Tensor* best = nullptr;
    for (auto& b : buffers_)
      if (b.storage().use_count() == 1 && b.numel() >= n && b.dtype() == options.dtype() &&
          (!best || b.numel() < best->numel()))
        best = &b;
    if (best) return best->narrow(0, 0, n).view(shape);
    auto fresh = torch::empty({n}, options);
    if (buffers_.size() >= 16) {  // forget free buffers, smallest first, to bound what the pool keeps
      std::sort(buffers_.begin(), buffers_.end(),
                [](const Tensor& a, const Tensor& b) { return a.numel() < b.numel(); });
      buffers_.erase(std::remove_if(buffers_.begin(), buffers_.begin() + 8,
                                    [](const Tensor& b) { return b.storage().use_count() == 1; }),
                     buffers_.begin() + 8);
    }
    buffers_.push_back(fresh);
    return fresh.view(shape);
  }

 private:
  std::mutex mu_;
  std::vector<Tensor> buffers_;
};

BufferPool& pool() {
  static BufferPool p;
  return p;
}

struct Saved {
  Tensor gates, c, tc;  // [T, B, 4H] activated gates, [T, B, H] cell states and their tanh
  Tensor hb;            // bf16 mode: the hidden states in bf16, the recurrent GEMMs' operand
};

// bf16 mode: the recurrent GEMMs (h W_hh^T forward; dgates W_hh and the weight gradient backward) take bf16 operands
// (AMX/AVX512-BF16 GEMMs run 4x the float rate on CPUs that have them) and their results are added to float state;
// the gate arithmetic, cell state, input projections and the returned gradients stay float.
Tensor to_bf16(const Tensor& t) { return t.to(torch::kBFloat16); }

// gates holds the input projections [T, B, 4H] on entry and the activated gates on exit.
Tensor forward_core(Tensor& gates, const Tensor& w_hh, Saved& saved, bool bf16) {
  const int64_t T = gates.size(0), B = gates.size(1), H = w_hh.size(1);
  auto hs = pool().get({T, B, H}, gates.options());
  auto c = pool().get({T, B, H}, gates.options());
  auto tc = pool().get({T, B, H}, gates.options());
  const auto w_t = w_hh.t();
  // float: h W_hh^T through the packed AVX-512 kernel where the CPU has it (B[k][n] = W[n][k]).
  const auto w_c = w_hh.contiguous();
  std::optional<PackedWeight> packed;
  if (!bf16 && gates.scalar_type() == torch::kFloat32 && PackedWeight::supported(4 * H))
    packed.emplace(w_c.data_ptr<float>(), H, 4 * H, 1, H);
  Tensor hb, w_tb, rec;
  if (bf16) {
    hb = pool().get({T, B, H}, gates.options().dtype(torch::kBFloat16));
    w_tb = to_bf16(w_t).contiguous();
    rec = pool().get({B, 4 * H}, gates.options().dtype(torch::kBFloat16));
  }
  for (int64_t t = 0; t < T; ++t) {
    auto g = gates[t];
    const bf16_t* recp = nullptr;
    if (t > 0) {
      if (bf16) {
        at::mm_out(rec, hb[t - 1], w_tb);
        recp = rec.data_ptr<bf16_t>();
      } else if (packed) {
        packed->gemm_acc(hs[t - 1].data_ptr<float>(), H, 1, g.data_ptr<float>(), 4 * H, B);
      } else {
        g.addmm_(hs[t - 1], w_t);
      }
    }
    bf16_t* hbt = bf16 ? hb[t].data_ptr<bf16_t>() : nullptr;
    AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "fused_lstm_cell", [&] {
      scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* cp = t > 0 ? c[t - 1].data_ptr<scalar_t>() : nullptr;
      scalar_t* ct = c[t].data_ptr<scalar_t>();
      scalar_t* tct = tc[t].data_ptr<scalar_t>();
      scalar_t* ht = hs[t].data_ptr<scalar_t>();
      at::parallel_for(
          0, B, 8, [&](int64_t b0, int64_t b1) { cell_forward<scalar_t>(gp, cp, ct, tct, ht, b0, b1, H, recp, hbt); });
    });
  }
  saved = {gates, c, tc, hb};
  return hs;
}

// Returns the pre-activation gradients [T, B, 4H] (in the storage of saved.gates) and sets dw_hh.
Tensor backward_core(const Tensor& grad_hs, const Tensor& hs, const Tensor& w_hh, Saved& saved, Tensor& dw_hh) {
  auto gates = saved.gates;
  TORCH_CHECK(gates.defined(), "fused_lstm: backward through the same graph twice is not supported");
  const int64_t T = gates.size(0), B = gates.size(1), H = w_hh.size(1);
  // dh accumulates the output gradient and the recurrent gradient of step t+1.
  auto dh = pool().get(hs.sizes(), hs.options());
  if (grad_hs.defined()) {
    dh.copy_(grad_hs);
  } else {
    dh.zero_();
  }
  auto dc = torch::zeros({B, H}, gates.options());
  const auto c_zero = torch::zeros({B, H}, gates.options());
  const bool bf16 = saved.hb.defined();
  // float: dgates W_hh through the packed AVX-512 kernel where the CPU has it (B = W as it is).
  const auto w_c = w_hh.contiguous();
  std::optional<PackedWeight> packed;
  if (!bf16 && gates.scalar_type() == torch::kFloat32 && PackedWeight::supported(H))
    packed.emplace(w_c.data_ptr<float>(), 4 * H, H, H, 1);
  Tensor gb, w_b, rec;
  if (bf16) {
    gb = pool().get(gates.sizes(), gates.options().dtype(torch::kBFloat16));
    w_b = to_bf16(w_hh);
    rec = pool().get({B, H}, gates.options().dtype(torch::kBFloat16));
  }
  for (int64_t t = T - 1; t >= 0; --t) {
    auto g = gates[t];
    // bf16: rec holds step t+1's recurrent gradient dgates_{t+1} W_hh, which belongs to dh[t].
    const bf16_t* recp = bf16 && t < T - 1 ? rec.data_ptr<bf16_t>() : nullptr;
    bf16_t* gbt = bf16 ? gb[t].data_ptr<bf16_t>() : nullptr;
    AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "fused_lstm_cell_backward", [&] {
      scalar_t* gp = g.data_ptr<scalar_t>();
      scalar_t* dht = dh[t].data_ptr<scalar_t>();
      const scalar_t* cp = (t > 0 ? saved.c[t - 1] : c_zero).data_ptr<scalar_t>();
      const scalar_t* tct = saved.tc[t].data_ptr<scalar_t>();
      scalar_t* dcp = dc.data_ptr<scalar_t>();
      at::parallel_for(0, B, 8, [&](int64_t b0, int64_t b1) {
        cell_backward<scalar_t>(gp, dht, cp, tct, dcp, b0, b1, H, recp, gbt);
      });
    });
    if (bf16) {
      if (t > 0) at::mm_out(rec, gb[t], w_b);
    } else if (t > 0 && packed) {
      packed->gemm_acc(g.data_ptr<float>(), 4 * H, 1, dh[t - 1].data_ptr<float>(), H, B);
    } else if (t > 0) {
      dh[t - 1].addmm_(g, w_hh);
    }
  }
  // dW_hh = sum_t dgates_t^T h_{t-1}: one GEMM over all steps (h_{-1} = 0).
  if (T > 1 && bf16) {
    dw_hh = gb.narrow(0, 1, T - 1).reshape({-1, 4 * H}).t().mm(saved.hb.narrow(0, 0, T - 1).reshape({-1, H}));
    dw_hh = dw_hh.to(w_hh.scalar_type());
  } else if (T > 1 && packed) {
    // K-blocked on the packed kernel: A = dgates^T (4H x K, column stride 4H), B = the h rows of each block.
    dw_hh = torch::zeros({4 * H, H}, gates.options());
    const int64_t K = (T - 1) * B, block = 256;
    const float* g = gates.data_ptr<float>() + B * 4 * H;  // steps 1 .. T-1
    const float* h = hs.data_ptr<float>();                 // steps 0 .. T-2
    for (int64_t k0 = 0; k0 < K; k0 += block) {
      const int64_t kb = std::min(block, K - k0);
      packed->repack(h + k0 * H, kb, H, H, 1);
      packed->gemm_acc(g + k0 * 4 * H, 1, 4 * H, dw_hh.data_ptr<float>(), H, 4 * H);
    }
  } else if (T > 1) {
    dw_hh = gates.narrow(0, 1, T - 1).reshape({-1, 4 * H}).t().mm(hs.narrow(0, 0, T - 1).reshape({-1, H}));
  } else {
    dw_hh = torch::zeros_like(w_hh);
  }
  saved = {};
  return gates;
}

Saved take(AutogradContext* ctx) {
  Saved s;
  const auto& gates = ctx->saved_data["gates"];
  TORCH_CHECK(gates.isTensor() && gates.toTensor().defined(),
              "fused_lstm: backward through the same graph twice is not supported");
  s.gates = gates.toTensor();
  s.c = ctx->saved_data["c"].toTensor();
  s.tc = ctx->saved_data["tc"].toTensor();
  if (ctx->saved_data["hb"].isTensor()) s.hb = ctx->saved_data["hb"].toTensor();
  // Backward overwrites the gates in place; drop them so a second backward fails clearly (and the buffers return to
  // the pool).
  ctx->saved_data["gates"] = Tensor();
  ctx->saved_data["c"] = Tensor();
  ctx->saved_data["tc"] = Tensor();
  ctx->saved_data["hb"] = Tensor();
  return s;
}

void keep(AutogradContext* ctx, const Saved& s) {
  ctx->saved_data["gates"] = s.gates;
  ctx->saved_data["c"] = s.c;
  ctx->saved_data["tc"] = s.tc;
  ctx->saved_data["hb"] = s.hb;
}

void check_args(const Tensor& w_hh, int64_t gate_width) {
  TORCH_CHECK(w_hh.device().is_cpu(), "fused_lstm runs on CPU; use the torch::nn path on other devices");
  TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 4 * w_hh.size(1), "w_hh must be [4H, H]");
  TORCH_CHECK(gate_width == w_hh.size(0), "input projection width must be 4H");
}

struct TokensFn : public torch::autograd::Function<TokensFn> {
  static Tensor forward(AutogradContext* ctx, const Tensor& tokens, const Tensor& table, const Tensor& w_hh,
                        bool bf16) {
    check_args(w_hh, table.size(1));
    const int64_t T = tokens.size(0), B = tokens.size(1), G = table.size(1), V = table.size(0);
    auto idx = tokens.contiguous();
    auto tab = table.contiguous();
    auto gates = pool().get({T, B, G}, table.options());
    AT_DISPATCH_FLOATING_TYPES(table.scalar_type(), "fused_lstm_gather", [&] {
      const int64_t* id = idx.data_ptr<int64_t>();
      const scalar_t* src = tab.data_ptr<scalar_t>();
      scalar_t* dst = gates.data_ptr<scalar_t>();
      at::parallel_for(0, T * B, 64, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          TORCH_CHECK(id[r] >= 0 && id[r] < V, "token ", id[r], " outside the vocabulary of ", V);
          std::copy(src + id[r] * G, src + (id[r] + 1) * G, dst + r * G);
        }
      });
    });
    Saved saved;
    auto hs = forward_core(gates, w_hh, saved, bf16);
    keep(ctx, saved);
    ctx->saved_data["tokens"] = idx;
    ctx->saved_data["vocab"] = V;
    ctx->save_for_backward({hs, w_hh});
    return hs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto vars = ctx->get_saved_variables();
    auto saved = take(ctx);
    Tensor dw_hh;
    auto dgates = backward_core(grads[0], vars[0], vars[1], saved, dw_hh);
    // d table[v] = sum of the gate gradients of the positions holding v; threads own disjoint column ranges.
    auto tokens = ctx->saved_data["tokens"].toTensor();
    const int64_t V = ctx->saved_data["vocab"].toInt(), G = dgates.size(2), R = tokens.numel();
    auto dtable = torch::zeros({V, G}, dgates.options());
    AT_DISPATCH_FLOATING_TYPES(dgates.scalar_type(), "fused_lstm_scatter", [&] {
      const int64_t* id = tokens.data_ptr<int64_t>();
      const scalar_t* src = dgates.data_ptr<scalar_t>();
      scalar_t* dst = dtable.data_ptr<scalar_t>();
      at::parallel_for(0, G, 64, [&](int64_t c0, int64_t c1) {
        for (int64_t r = 0; r < R; ++r) {
          const scalar_t* __restrict s = src + r * G;
          scalar_t* __restrict d = dst + id[r] * G;
          for (int64_t c = c0; c < c1; ++c) d[c] += s[c];
        }
      });
    });
    return {Tensor(), dtable, dw_hh, Tensor()};
  }
};

struct ProjectedFn : public torch::autograd::Function<ProjectedFn> {
  static Tensor forward(AutogradContext* ctx, const Tensor& gx, const Tensor& w_hh, bool bf16) {
    check_args(w_hh, gx.size(2));
    auto gates = pool().get(gx.sizes(), gx.options());
    gates.copy_(gx);
    Saved saved;
    auto hs = forward_core(gates, w_hh, saved, bf16);
    keep(ctx, saved);
    ctx->save_for_backward({hs, w_hh});
    return hs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto vars = ctx->get_saved_variables();
    auto saved = take(ctx);
    Tensor dw_hh;
    auto dgx = backward_core(grads[0], vars[0], vars[1], saved, dw_hh);
    return {dgx, dw_hh, Tensor()};
  }
};

}  // namespace

Tensor fused_lstm_tokens(const Tensor& tokens, const Tensor& table, const Tensor& w_hh, bool bf16) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.scalar_type() == torch::kInt64, "tokens must be int64 [T, B]");
  return TokensFn::apply(tokens, table, w_hh, bf16);
}

Tensor fused_lstm(const Tensor& gx, const Tensor& w_hh, bool bf16) {
  TORCH_CHECK(gx.dim() == 3, "gx must be [T, B, 4H]");
  return ProjectedFn::apply(gx, w_hh, bf16);
}

}  // namespace torchlab::text
