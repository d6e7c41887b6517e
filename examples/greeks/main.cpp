// greeks: a Black-76 call priced as a libtorch expression, then its five Greeks by automatic differentiation:
// delta and vega in one reverse pass, gamma, vanna and volga by differentiating those again (a graph of a graph).
// The numbers are those of vegapit's tch-rs article and of `torchlab greeks`.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

constexpr double FORWARD = 100.0;
constexpr double STRIKE = 100.0;
constexpr double VOL = 0.3;
constexpr double TIME = 1.0;  // years to expiry
constexpr double RATE = 0.01;

torch::Tensor norm_cdf(const torch::Tensor& x) { return 0.5 * (1.0 + torch::erf(x / std::sqrt(2.0))); }

int main() {
  // The inputs we differentiate by are leaves that require grad; float64 like the article.
  const auto leaf = torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true);
  torch::Tensor f = torch::tensor(FORWARD, leaf);
  torch::Tensor vol = torch::tensor(VOL, leaf);

  torch::Tensor sd = vol * std::sqrt(TIME);
  torch::Tensor d1 = torch::log(f / STRIKE) / sd + 0.5 * sd;
  torch::Tensor d2 = d1 - sd;
  torch::Tensor price = std::exp(-RATE * TIME) * (f * norm_cdf(d1) - STRIKE * norm_cdf(d2));

  // First order, keeping the graph (create_graph) so the Greeks themselves can be differentiated.
  auto first = torch::autograd::grad({price}, {f, vol}, {}, /*retain_graph=*/true, /*create_graph=*/true);
  torch::Tensor delta = first[0], vega = first[1];
  // Second order: d(delta)/df = gamma, d(delta)/dvol = vanna, d(vega)/dvol = volga.
  auto of_delta = torch::autograd::grad({delta}, {f, vol}, {}, /*retain_graph=*/true);
  auto of_vega = torch::autograd::grad({vega}, {vol});

  std::printf("price: %.4f\n", price.item<double>());
  std::printf("delta: %.4f, vega: %.4f\n", delta.item<double>(), vega.item<double>());
  std::printf("gamma: %.4f, vanna: %.4f, volga: %.4f\n", of_delta[0].item<double>(), of_delta[1].item<double>(),
              of_vega[0].item<double>());
}
