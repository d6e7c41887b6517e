#include "torchlab/vision/fast_ops.h"

#include <gtest/gtest.h>

#include <cmath>

#include "torchlab/vision/fast_kernels.h"

using namespace torchlab::vision;

namespace {

constexpr auto kCL = torch::MemoryFormat::ChannelsLast;

struct PortableKernels {  // runs a block with the portable loops (the AVX2 ones where they exist otherwise)
  PortableKernels() { kernels::force_portable(true); }
  ~PortableKernels() { kernels::force_portable(false); }
};

// Forward output and input gradient of max_pool2x2 against libtorch's max_pool2d on the same input.
void check_pool_against_libtorch(const torch::Tensor& base, const torch::Tensor& grad_out) {
  auto x = base.detach().clone(kCL).requires_grad_();
  auto ref_x = base.detach().clone().requires_grad_();
  const auto y = max_pool2x2(x);
  const auto ref = torch::max_pool2d(ref_x, 2);
  EXPECT_TRUE(y.is_contiguous(kCL));
  EXPECT_TRUE(torch::equal(y.contiguous(), ref.contiguous()));
  y.backward(grad_out);
  ref.backward(grad_out);
  EXPECT_TRUE(torch::equal(x.grad().contiguous(), ref_x.grad().contiguous()));
}

}  // namespace

TEST(FastOps, MaxPoolMatchesLibtorchExactly) {
  torch::manual_seed(1);
  for (const auto& shape : {std::vector<int64_t>{3, 32, 8, 6}, std::vector<int64_t>{2, 11, 4, 4},  // 8-lane + tail
                            std::vector<int64_t>{2, 3, 2, 2}}) {
    const auto x = torch::randn(shape);
    const auto g = torch::randn({shape[0], shape[1], shape[2] / 2, shape[3] / 2});
    check_pool_against_libtorch(x, g);
    PortableKernels portable;
    check_pool_against_libtorch(x, g);
  }
}

TEST(FastOps, MaxPoolTiesAndNanFollowLibtorch) {
  // Ties: the first maximum in row-major window order gets the gradient; NaN wins over numbers.
  auto x = torch::zeros({1, 9, 2, 2});
  x[0][1] = torch::tensor({{1.0f, 1.0f}, {1.0f, 1.0f}});
  x[0][2] = torch::tensor({{0.0f, 2.0f}, {2.0f, 0.0f}});
  x[0][3] = torch::tensor({{1.0f, NAN}, {5.0f, 0.0f}});
  x[0][4] = torch::tensor({{NAN, 1.0f}, {2.0f, NAN}});
  const auto g = torch::arange(1, 10, torch::kFloat32).view({1, 9, 1, 1});
  for (bool portable : {false, true}) {
    kernels::force_portable(portable);
    auto a = x.contiguous(kCL).requires_grad_();
    auto b = x.clone().requires_grad_();
    const auto ya = max_pool2x2(a);
    const auto yb = torch::max_pool2d(b, 2);
    EXPECT_TRUE(torch::equal(torch::isnan(ya), torch::isnan(yb)));
    EXPECT_TRUE(torch::equal(torch::nan_to_num(ya.contiguous()), torch::nan_to_num(yb)));
    ya.backward(g);
    yb.backward(g);
    EXPECT_TRUE(torch::equal(a.grad().contiguous(), b.grad())) << "portable " << portable;
    EXPECT_EQ(a.grad()[0][1][0][0].item<float>(), 2.0f);  // first of four equal values
    EXPECT_EQ(a.grad()[0][2][0][1].item<float>(), 3.0f);
  }
  kernels::force_portable(false);
}

TEST(FastOps, MaxPoolFallsBackOutsideItsFastPath) {
  torch::manual_seed(2);
  const auto x = torch::randn({2, 4, 6, 6});  // NCHW: stock libtorch path
  EXPECT_TRUE(torch::equal(max_pool2x2(x), torch::max_pool2d(x, 2)));
  const auto odd = torch::randn({2, 4, 5, 5}).contiguous(kCL);
  EXPECT_TRUE(torch::equal(max_pool2x2(odd), torch::max_pool2d(odd, 2)));
  torch::NoGradGuard no_grad;  // inference path (no argmax kept)
  const auto y = torch::randn({2, 16, 4, 4}).contiguous(kCL);
  EXPECT_TRUE(torch::equal(max_pool2x2(y).contiguous(), torch::max_pool2d(y.contiguous(), 2)));
}

TEST(FastOps, ReluDropoutKeepsTheRightShareAndScales) {
  torch::manual_seed(3);
  const int64_t n = 1 << 20;
  auto x = torch::rand({n}).add_(0.5).requires_grad_();  // all positive: only dropout zeroes
  const auto y = relu_dropout(x, 0.3, true);
  const auto kept = y.ne(0);
  const double share = kept.to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(share, 0.7, 0.003);  // binomial sd is 0.00045
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / 0.7));
  y.backward(torch::ones_like(y));
  EXPECT_TRUE(torch::equal(x.grad(), kept.to(torch::kFloat32) * static_cast<float>(1 / 0.7)));
}

TEST(FastOps, ReluDropoutZeroesNegativesAndIsReproducible) {
  torch::manual_seed(4);
  auto x = torch::randn({1000, 37}).requires_grad_();
  torch::manual_seed(9);
  const auto a = relu_dropout(x, 0.5, true);
  torch::manual_seed(9);
  const auto b = relu_dropout(x, 0.5, true);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, relu_dropout(x, 0.5, true)));  // the next draw differs
  EXPECT_TRUE(torch::all(a.masked_select(x.le(0)).eq(0)).item<bool>());
  // Evaluation mode and p = 0 are plain ReLU; p = 1 drops everything.
  EXPECT_TRUE(torch::equal(relu_dropout(x, 0.5, false), torch::relu(x)));
  EXPECT_TRUE(torch::equal(relu_dropout(x, 0.0, true), torch::relu(x)));
  EXPECT_EQ(relu_dropout(x, 1.0, true).abs().sum().item<float>(), 0.0f);
}

TEST(FastOps, VectorAndPortableKernelsAgreeBitForBit) {
  torch::manual_seed(5);
  const int64_t n = 1003;  // not a multiple of 8: exercises the tails
  const auto x = torch::randn({n});
  std::vector<float> out[2], gin[2];
  std::vector<uint8_t> pass[2];
  const auto g = torch::randn({n});
  for (int portable = 0; portable < 2; ++portable) {
    kernels::force_portable(portable);
    out[portable].resize(n);
    pass[portable].resize(n);
    gin[portable].resize(n);
    kernels::relu_dropout_forward(x.data_ptr<float>(), out[portable].data(), pass[portable].data(), n,
                                  0x1234567890abcdefULL, 1u << 31, 2.0f);
    kernels::relu_dropout_backward(g.data_ptr<float>(), pass[portable].data(), gin[portable].data(), n, 2.0f);
  }
  kernels::force_portable(false);
  EXPECT_EQ(out[0], out[1]);
  EXPECT_EQ(pass[0], pass[1]);
  EXPECT_EQ(gin[0], gin[1]);
  // The hash is pinned: a change would alter every trained model's dropout masks.
  EXPECT_EQ(kernels::dropout_uniform(42, 7), 3740195819u);
  EXPECT_EQ(kernels::dropout_uniform((uint64_t(1) << 32) | 0x1234, 5), 298850541u);
  EXPECT_NE(kernels::dropout_uniform(42, 7), kernels::dropout_uniform(43, 7));
}

TEST(FastOps, SingleChannelConvMatchesLibtorch) {
  torch::manual_seed(6);
  for (const auto& [batch, side, oc] : {std::tuple<int64_t, int64_t, int64_t>{7, 28, 32}, {3, 9, 16}, {2, 13, 48}}) {
    const auto x = torch::rand({batch, 1, side, side});
    auto w = torch::randn({oc, 1, 5, 5}).mul_(0.2).requires_grad_();
    auto b = torch::randn({oc}).requires_grad_();
    auto w_ref = w.detach().clone().requires_grad_();
    auto b_ref = b.detach().clone().requires_grad_();
    const auto y = conv_single_channel(x, w, b);
    const auto ref = torch::conv2d(x, w_ref, b_ref);
    ASSERT_EQ(y.sizes(), ref.sizes());
    EXPECT_TRUE(torch::allclose(y, ref, 1e-5, 1e-5)) << (y - ref).abs().max();
    const auto g = torch::randn_like(ref);
    y.backward(g);
    ref.backward(g);
    EXPECT_TRUE(torch::allclose(w.grad(), w_ref.grad(), 1e-4, 1e-4)) << (w.grad() - w_ref.grad()).abs().max();
    EXPECT_TRUE(torch::allclose(b.grad(), b_ref.grad(), 1e-4, 1e-4)) << (b.grad() - b_ref.grad()).abs().max();
    if (kernels::have_avx2_fma()) {
      EXPECT_TRUE(y.is_contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
  // Where the fast path does not apply (the input needs a gradient, 3x3 kernel), the result is libtorch's.
  auto xg = torch::rand({2, 1, 8, 8}).requires_grad_();
  const auto w = torch::randn({16, 1, 5, 5}), b = torch::randn({16});
  EXPECT_TRUE(torch::equal(conv_single_channel(xg, w, b), torch::conv2d(xg, w, b)));
  const auto w3 = torch::randn({16, 1, 3, 3});
  EXPECT_TRUE(torch::equal(conv_single_channel(xg.detach(), w3, b), torch::conv2d(xg.detach(), w3, b)));
}
