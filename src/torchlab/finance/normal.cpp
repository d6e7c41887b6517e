#include "torchlab/finance/normal.h"

#include <torch/torch.h>

#include "torchlab/finance/normal_kernels.h"
#include "torchlab/finance/simd.h"

namespace torchlab::finance {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

bool fused(const torch::Tensor& t) { return t.is_cpu() && t.scalar_type() == torch::kFloat64; }

TORCHLAB_SIMD_CLONES
void scaled_product(const double* a, const double* b, double s, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = s * a[i] * b[i];
}

TORCHLAB_SIMD_CLONES
void scale(double* a, double s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] *= s;
}

TORCHLAB_SIMD_CLONES
void multiply3(const double* __restrict a, const double* __restrict b, const double* __restrict c,
               double* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i] * c[i];
}

TORCHLAB_SIMD_CLONES
void pdf_exponent(const double* d, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = -0.91893853320467274178 - 0.5 * d[i] * d[i];
}

// N(w d) and the density pdf(d), which the CDF's kernel gets for free (erfc needs exp(-d^2/2) anyway).
std::pair<torch::Tensor, torch::Tensor> cdf_kernel(const torch::Tensor& d_in, const torch::Tensor& w_in) {
  if (!fused(d_in) || !fused(w_in) || d_in.sizes() != w_in.sizes())
    return {0.5 * torch::erfc(-kInvSqrt2 * w_in * d_in), kInvSqrt2Pi * torch::exp(-0.5 * d_in * d_in)};
  const auto d = d_in.contiguous(), w = w_in.contiguous();
  const int64_t n = d.numel();
  auto out = torch::empty({2, n}, d.options());
  double* cdf = out.data_ptr<double>();
  double* pdf = cdf + n;
  scaled_product(d.data_ptr<double>(), w.data_ptr<double>(), -kInvSqrt2, cdf, n);
  half_erfc(cdf, cdf, n, pdf);
  scale(pdf, kInvSqrt2Pi, n);
  return {out[0].view(d_in.sizes()), out[1].view(d_in.sizes())};
}

// pdf(d) = exp(log(1/sqrt(2 pi)) - d^2/2): one vectorized exp over the whole tensor.
torch::Tensor pdf_kernel(const torch::Tensor& d_in) {
  if (!fused(d_in)) return kInvSqrt2Pi * torch::exp(-0.5 * d_in * d_in);
  const auto d = d_in.contiguous();
  auto out = torch::empty_like(d);
  pdf_exponent(d.data_ptr<double>(), out.data_ptr<double>(), d.numel());
  torch::exp_out(out, out);
  return out;
}

// g * w * p, elementwise.
torch::Tensor product3(const torch::Tensor& g, const torch::Tensor& w, const torch::Tensor& p) {
  if (!fused(g) || !fused(w) || !fused(p) || g.sizes() != p.sizes() || w.sizes() != p.sizes()) return g * w * p;
  const auto gc = g.contiguous(), wc = w.contiguous(), pc = p.contiguous();
  auto out = torch::empty_like(pc);
  multiply3(gc.data_ptr<double>(), wc.data_ptr<double>(), pc.data_ptr<double>(), out.data_ptr<double>(), p.numel());
  return out;
}

struct NormPdf : torch::autograd::Function<NormPdf> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& d) {
    auto p = pdf_kernel(d);
    ctx->save_for_backward({d, p});
    return p;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    return {grad[0] * -saved[0] * saved[1]};
  }
};

// g * w * pdf(d), the backward of N(w d), as one op: one fused product and one graph node rather than a density and
// two products. pdf(d) comes in precomputed from N's forward (a constant here, so no exp is ever recomputed); the
// op stays differentiable in g and d: d/dg = w pdf(d) (this op again), d/dd = -d * g * w * pdf(d).
struct NormCdfGrad : torch::autograd::Function<NormCdfGrad> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& g, const torch::Tensor& d,
                               const torch::Tensor& w, const torch::Tensor& pdf) {
    auto out = product3(g, w, pdf);
    ctx->save_for_backward({d, w, pdf, out});
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const auto &d = saved[0], &w = saved[1], &pdf = saved[2], &out = saved[3];
    return {NormCdfGrad::apply(grad[0], d, w, pdf), -grad[0] * d * out, torch::Tensor(), torch::Tensor()};
  }
};

struct NormCdf : torch::autograd::Function<NormCdf> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& d, const torch::Tensor& w) {
    auto [cdf, pdf] = cdf_kernel(d, w);
    ctx->save_for_backward({d, w, pdf});
    return cdf;
  }
  // A differentiable op, so a create_graph backward can be differentiated again.
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    return {NormCdfGrad::apply(grad[0], saved[0], saved[1], saved[2]), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor norm_cdf(const torch::Tensor& d, const torch::Tensor& w) { return NormCdf::apply(d, w); }

torch::Tensor norm_pdf(const torch::Tensor& d) { return NormPdf::apply(d); }

}  // namespace torchlab::finance
