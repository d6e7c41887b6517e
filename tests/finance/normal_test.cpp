#include "torchlab/finance/normal.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "torchlab/finance/closed_form.h"
#include "torchlab/finance/option_tensors.h"

using namespace torchlab::finance;

namespace {

// N(w d), its first and second derivative in d by autograd (create_graph), as tensors.
std::array<torch::Tensor, 3> cdf_and_derivatives(const torch::Tensor& d0, const torch::Tensor& w) {
  auto d = d0.detach().requires_grad_();
  const auto n = norm_cdf(d, w);
  const auto g1 = torch::autograd::grad({n}, {d}, {torch::ones_like(n)}, true, true)[0];
  const auto g2 = torch::autograd::grad({g1}, {d}, {torch::ones_like(g1)})[0];
  return {n.detach(), g1.detach(), g2};
}

}  // namespace

TEST(Normal, CdfAndItsDerivativesByAutograd) {
  const auto d = torch::linspace(-8, 8, 161, torch::kFloat64);
  for (double sign : {1.0, -1.0}) {
    const auto w = torch::full_like(d, sign);
    const auto [n, g1, g2] = cdf_and_derivatives(d, w);
    for (int64_t i = 0; i < d.size(0); ++i) {
      const double x = d[i].item<double>();
      const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
      const double cdf = 0.5 * std::erfc(-sign * x / std::sqrt(2.0));
      EXPECT_NEAR(n[i].item<double>(), cdf, 1e-15 + 1e-14 * cdf) << x;
      // exp(-x^2/2) has condition number x^2/2: its relative error grows with it.
      const double rel = 2e-15 + 4e-16 * x * x;
      EXPECT_NEAR(g1[i].item<double>(), sign * pdf, rel * pdf + 1e-300) << x;
      EXPECT_NEAR(g2[i].item<double>(), -sign * x * pdf, rel * std::abs(x * pdf) + 1e-300) << x;
      EXPECT_NEAR(norm_cdf(x, sign), cdf, 1e-15 + 1e-14 * cdf);
    }
  }
  // Deep in the lower tail the CDF keeps its relative precision: N(-30) ~ 4.9e-198.
  EXPECT_NEAR(norm_cdf(-30.0, 1.0) / 4.906713927148187e-198, 1.0, 1e-13);
}

TEST(Normal, FallbackOpsForOtherDtypesAndLayouts) {
  // float32 and strided inputs take the libtorch-ops path (as on an accelerator): same values.
  const auto d = torch::linspace(-4, 4, 33, torch::kFloat64);
  const auto w = torch::ones_like(d);
  const auto fused = norm_cdf(d, w);
  EXPECT_TRUE(
      torch::allclose(norm_cdf(d.to(torch::kFloat32), w.to(torch::kFloat32)).to(torch::kFloat64), fused, 1e-6, 1e-7));
  const auto strided = torch::stack({d, d}, 1).select(1, 0);
  ASSERT_FALSE(strided.is_contiguous());
  EXPECT_TRUE(torch::allclose(norm_cdf(strided, w), fused, 1e-15, 1e-16));
  EXPECT_TRUE(torch::allclose(norm_pdf(d.to(torch::kFloat32)).to(torch::kFloat64), norm_pdf(d), 1e-6, 1e-7));
}

TEST(Normal, ClosedFormInLibtorchOpsMatchesTheFusedLoops) {
  torch::manual_seed(9);
  for (auto model : {Model::black76, Model::bsm}) {
    const auto batch = random_options(model, 3000);
    EXPECT_TRUE(torch::allclose(closed_form_greeks_ops(batch), closed_form_greeks(batch), 1e-11, 1e-12))
        << model_name(model);
  }
}
