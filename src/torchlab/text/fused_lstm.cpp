#include "torchlab/text/fused_lstm.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace torchlab::text {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// c = f * c_prev + i * g over one step's [B, 4H] activated gates.
template <typename S>
void cell_state(const S* gates, const S* c_prev, S* c, int64_t batch, int64_t hidden) {
  at::parallel_for(0, batch, 16, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const S* i = gates + b * 4 * hidden;
      const S* f = i + hidden;
      const S* g = f + hidden;
      S* cb = c + b * hidden;
      if (c_prev) {
        const S* cp = c_prev + b * hidden;
        for (int64_t j = 0; j < hidden; ++j) cb[j] = f[j] * cp[j] + i[j] * g[j];
      } else {
        for (int64_t j = 0; j < hidden; ++j) cb[j] = i[j] * g[j];
      }
    }
  });
}

// One step of BPTT. Reads the activated gates and writes the pre-activation gradients over them; dc carries the
// cell-state gradient from step t+1 in and to step t-1 out.
template <typename S>
void cell_backward(S* gates, const S* dh, const S* c_prev, const S* tc, S* dc, int64_t batch, int64_t hidden) {
  at::parallel_for(0, batch, 16, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      S* gi = gates + b * 4 * hidden;
      S* gf = gi + hidden;
      S* gg = gf + hidden;
      S* go = gg + hidden;
      const S* dhb = dh + b * hidden;
      const S* tcb = tc + b * hidden;
      const S* cpb = c_prev ? c_prev + b * hidden : nullptr;
      S* dcb = dc + b * hidden;
      for (int64_t j = 0; j < hidden; ++j) {
        const S i = gi[j], f = gf[j], g = gg[j], o = go[j], t = tcb[j];
        const S cp = cpb ? cpb[j] : S(0);
        const S d_c = dcb[j] + dhb[j] * o * (S(1) - t * t);
        dcb[j] = d_c * f;
        gi[j] = d_c * g * i * (S(1) - i);
        gf[j] = d_c * cp * f * (S(1) - f);
        gg[j] = d_c * i * (S(1) - g * g);
        go[j] = dhb[j] * t * o * (S(1) - o);
      }
    }
  });
}

struct Saved {
  Tensor gates, c, tc;  // [T, B, 4H] activated gates, [T, B, H] cell states and their tanh
};

// gates holds the input projections [T, B, 4H] on entry and the activated gates on exit.
Tensor forward_core(Tensor& gates, const Tensor& w_hh, Saved& saved) {
  const int64_t T = gates.size(0), B = gates.size(1), H = w_hh.size(1);
  auto hs = torch::empty({T, B, H}, gates.options());
  auto c = torch::empty({T, B, H}, gates.options());
  auto tc = torch::empty({T, B, H}, gates.options());
  const auto w_t = w_hh.t();
  for (int64_t t = 0; t < T; ++t) {
    auto g = gates[t];
    if (t > 0) g.addmm_(hs[t - 1], w_t);
    g.narrow(1, 0, 2 * H).sigmoid_();
    g.narrow(1, 2 * H, H).tanh_();
    g.narrow(1, 3 * H, H).sigmoid_();
    AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "fused_lstm_cell", [&] {
      cell_state<scalar_t>(g.data_ptr<scalar_t>(), t > 0 ? c[t - 1].data_ptr<scalar_t>() : nullptr,
                           c[t].data_ptr<scalar_t>(), B, H);
    });
    auto tct = tc[t];
    at::tanh_out(tct, c[t]);
    auto ht = hs[t];
    at::mul_out(ht, g.narrow(1, 3 * H, H), tct);
  }
  saved = {gates, c, tc};
  return hs;
}

// Returns the pre-activation gradients [T, B, 4H] (in the storage of saved.gates) and sets dw_hh.
Tensor backward_core(const Tensor& grad_hs, const Tensor& hs, const Tensor& w_hh, Saved& saved, Tensor& dw_hh) {
  auto gates = saved.gates;
  TORCH_CHECK(gates.defined(), "fused_lstm: backward through the same graph twice is not supported");
  const int64_t T = gates.size(0), B = gates.size(1), H = w_hh.size(1);
  // dh accumulates the output gradient and the recurrent gradient of step t+1.
  auto dh = grad_hs.defined() ? grad_hs.contiguous().clone() : torch::zeros_like(hs);
  auto dc = torch::zeros({B, H}, gates.options());
  for (int64_t t = T - 1; t >= 0; --t) {
    auto g = gates[t];
    AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "fused_lstm_cell_backward", [&] {
      cell_backward<scalar_t>(g.data_ptr<scalar_t>(), dh[t].data_ptr<scalar_t>(),
                              t > 0 ? saved.c[t - 1].data_ptr<scalar_t>() : nullptr, saved.tc[t].data_ptr<scalar_t>(),
                              dc.data_ptr<scalar_t>(), B, H);
    });
    if (t > 0) dh[t - 1].addmm_(g, w_hh);
  }
  // dW_hh = sum_t dgates_t^T h_{t-1}: one GEMM over all steps (h_{-1} = 0).
  if (T > 1) {
    dw_hh = gates.narrow(0, 1, T - 1).reshape({-1, 4 * H}).t().mm(hs.narrow(0, 0, T - 1).reshape({-1, H}));
  } else {
    dw_hh = torch::zeros_like(w_hh);
  }
  saved = {};
  return gates;
}

Saved take(AutogradContext* ctx) {
  Saved s;
  s.gates = ctx->saved_data["gates"].toTensor();
  s.c = ctx->saved_data["c"].toTensor();
  s.tc = ctx->saved_data["tc"].toTensor();
  // Backward overwrites the gates in place; drop them so a second backward fails clearly.
  ctx->saved_data["gates"] = Tensor();
  return s;
}

void keep(AutogradContext* ctx, const Saved& s) {
  ctx->saved_data["gates"] = s.gates;
  ctx->saved_data["c"] = s.c;
  ctx->saved_data["tc"] = s.tc;
}

void check_args(const Tensor& w_hh, int64_t gate_width) {
  TORCH_CHECK(w_hh.device().is_cpu(), "fused_lstm runs on CPU; use the torch::nn path on other devices");
  TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 4 * w_hh.size(1), "w_hh must be [4H, H]");
  TORCH_CHECK(gate_width == w_hh.size(0), "input projection width must be 4H");
}

struct TokensFn : public torch::autograd::Function<TokensFn> {
  static Tensor forward(AutogradContext* ctx, const Tensor& tokens, const Tensor& table, const Tensor& w_hh) {
    check_args(w_hh, table.size(1));
    const int64_t T = tokens.size(0), B = tokens.size(1), G = table.size(1), V = table.size(0);
    auto idx = tokens.contiguous();
    auto tab = table.contiguous();
    auto gates = torch::empty({T, B, G}, table.options());
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
    auto hs = forward_core(gates, w_hh, saved);
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
          const scalar_t* s = src + r * G;
          scalar_t* d = dst + id[r] * G;
          for (int64_t c = c0; c < c1; ++c) d[c] += s[c];
        }
      });
    });
    return {Tensor(), dtable, dw_hh};
  }
};

struct ProjectedFn : public torch::autograd::Function<ProjectedFn> {
  static Tensor forward(AutogradContext* ctx, const Tensor& gx, const Tensor& w_hh) {
    check_args(w_hh, gx.size(2));
    auto gates = gx.clone(at::MemoryFormat::Contiguous);
    Saved saved;
    auto hs = forward_core(gates, w_hh, saved);
    keep(ctx, saved);
    ctx->save_for_backward({hs, w_hh});
    return hs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto vars = ctx->get_saved_variables();
    auto saved = take(ctx);
    Tensor dw_hh;
    auto dgx = backward_core(grads[0], vars[0], vars[1], saved, dw_hh);
    return {dgx, dw_hh};
  }
};

}  // namespace

Tensor fused_lstm_tokens(const Tensor& tokens, const Tensor& table, const Tensor& w_hh) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.scalar_type() == torch::kInt64, "tokens must be int64 [T, B]");
  return TokensFn::apply(tokens, table, w_hh);
}

Tensor fused_lstm(const Tensor& gx, const Tensor& w_hh) {
  TORCH_CHECK(gx.dim() == 3, "gx must be [T, B, 4H]");
  return ProjectedFn::apply(gx, w_hh);
}

}  // namespace torchlab::text
