#include "torchlab/finance/normal.h"

#include <torch/torch.h>

namespace torchlab::finance {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

bool fused(const torch::Tensor& t) { return t.is_cpu() && t.scalar_type() == torch::kFloat64; }

torch::Tensor cdf_kernel(const torch::Tensor& d_in, const torch::Tensor& w_in) {
  if (!fused(d_in) || !fused(w_in) || d_in.sizes() != w_in.sizes()) return 0.5 * torch::erfc(-kInvSqrt2 * w_in * d_in);
  const auto d = d_in.contiguous(), w = w_in.contiguous();
  auto out = torch::empty_like(d);
  const double* pd = d.data_ptr<double>();
  const double* pw = w.data_ptr<double>();
  double* po = out.data_ptr<double>();
  const int64_t n = d.numel();
  for (int64_t i = 0; i < n; ++i) po[i] = 0.5 * std::erfc(-kInvSqrt2 * pw[i] * pd[i]);
  return out;
}

torch::Tensor pdf_kernel(const torch::Tensor& d_in) {
  if (!fused(d_in)) return kInvSqrt2Pi * torch::exp(-0.5 * d_in * d_in);
  const auto d = d_in.contiguous();
  auto out = torch::empty_like(d);
  const double* pd = d.data_ptr<double>();
  double* po = out.data_ptr<double>();
  const int64_t n = d.numel();
  for (int64_t i = 0; i < n; ++i) po[i] = kInvSqrt2Pi * std::exp(-0.5 * pd[i] * pd[i]);
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

struct NormCdf : torch::autograd::Function<NormCdf> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& d, const torch::Tensor& w) {
    ctx->save_for_backward({d, w});
    return cdf_kernel(d, w);
  }
  // Built from differentiable ops (NormPdf included), so a create_graph backward can be differentiated again.
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    return {grad[0] * saved[1] * NormPdf::apply(saved[0]), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor norm_cdf(const torch::Tensor& d, const torch::Tensor& w) { return NormCdf::apply(d, w); }

torch::Tensor norm_pdf(const torch::Tensor& d) { return NormPdf::apply(d); }

}  // namespace torchlab::finance
