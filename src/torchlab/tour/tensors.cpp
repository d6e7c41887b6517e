#include "torchlab/tour/tensors.h"

#include <torch/torch.h>

namespace torchlab::tour {
namespace {

void heading(std::ostream& out, const std::string& title) { out << "\n== " << title << " ==\n"; }

}  // namespace

void tensors(std::ostream& out, const torch::Device& device) {
  // The seed: tch's Tensor::of_slice(&[3, 1, 4, 1, 5]) is an int32 tensor; doubling it prints libtorch's own layout.
  auto t = torch::tensor({3, 1, 4, 1, 5}, torch::kInt) * 2;
  out << t << "\n";

  heading(out, "Creation and dtypes");
  auto z = torch::zeros({2, 3});
  auto r = torch::arange(6, torch::kFloat64).reshape({2, 3});
  out << "zeros({2, 3}) is " << z.dtype() << " " << z.sizes() << "\n";
  out << "arange(6, float64).reshape({2, 3}) =\n" << r << "\n";
  out << "as int64: " << r.to(torch::kInt64).dtype() << ", as half: " << r.to(torch::kHalf).dtype() << "\n";

  heading(out, "Broadcasting");
  auto col = torch::tensor({1.0, 10.0}).reshape({2, 1});
  auto row = torch::tensor({1.0, 2.0, 3.0});
  out << "[2,1] * [3] -> [2,3]:\n" << col * row << "\n";

  heading(out, "Matrix multiplication");
  auto a = torch::tensor({1.0, 2.0, 3.0, 4.0}).reshape({2, 2});
  auto b = torch::tensor({0.0, 1.0, 1.0, 0.0}).reshape({2, 2});
  out << "a.matmul(b) swaps the columns of a:\n" << a.matmul(b) << "\n";

  heading(out, "Reductions");
  out << "sum = " << r.sum().item<double>() << ", mean = " << r.mean().item<double>()
      << ", max along dim 1 = " << std::get<0>(r.max(1)) << "\n";

  heading(out, "Indexing and slicing");
  using torch::indexing::Slice;
  out << "r[1] = " << r.index({1}) << "\n";
  out << "r[:, 1:] =\n" << r.index({Slice(), Slice(1, torch::indexing::None)}) << "\n";

  heading(out, "In-place operations");
  auto c = torch::ones({3});
  c.mul_(5).add_(1);
  out << "ones(3).mul_(5).add_(1) = " << c << "\n";

  heading(out, "Autograd");
  auto x = torch::tensor(2.0, torch::requires_grad());
  auto y = x * x * x + 2 * x;  // y = x^3 + 2x, dy/dx = 3x^2 + 2
  y.backward();
  out << "y = x^3 + 2x at x = 2: y = " << y.item<double>() << ", dy/dx = " << x.grad().item<double>()
      << " (3x^2 + 2 = 14)\n";

  heading(out, "Devices");
  auto moved = r.to(device);
  out << "moved to " << moved.device() << ": sum = " << moved.sum().item<double>() << "\n";
}

}  // namespace torchlab::tour
