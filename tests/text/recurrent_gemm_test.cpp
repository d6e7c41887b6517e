// The packed AVX-512 recurrent GEMM against libtorch's, in both weight layouts the fused LSTM uses, with row counts
// that are and are not multiples of the 8-row tile. Skips on CPUs without AVX-512.
#include "torchlab/text/recurrent_gemm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

void check(int64_t m, int64_t k, int64_t n, bool transposed) {
  torch::manual_seed(m * 1000 + k + n);
  // The weight as the LSTM holds it: W [n, k] used transposed (forward), or W [k, n] as it is (backward).
  const auto w = transposed ? torch::randn({n, k}) : torch::randn({k, n});
  const auto b = transposed ? w.t() : w;
  const auto a_full = torch::randn({m, k + 3});  // row stride k + 3: lda need not equal k
  const auto a = a_full.narrow(1, 0, k);
  auto c_full = torch::randn({m, n + 5});
  auto c = c_full.narrow(1, 0, n);
  const auto expected = c.to(torch::kFloat64) + a.to(torch::kFloat64).mm(b.to(torch::kFloat64));
  torchlab::text::PackedWeight packed(w.data_ptr<float>(), k, n, transposed ? 1 : n, transposed ? k : 1);
  packed.gemm_acc(a.data_ptr<float>(), k + 3, 1, c.data_ptr<float>(), n + 5, m);
  EXPECT_TRUE(torch::allclose(c.to(torch::kFloat64), expected, 1e-5, 1e-4))
      << "m " << m << " k " << k << " n " << n << ": max error "
      << (c.to(torch::kFloat64) - expected).abs().max().item<double>();
  // The padding columns of C are untouched.
  EXPECT_TRUE(torch::equal(c_full.narrow(1, n, 5), c_full.narrow(1, n, 5).clone()));
}

TEST(RecurrentGemm, MatchesLibtorchInBothWeightLayouts) {
  if (!torchlab::text::PackedWeight::supported(32)) GTEST_SKIP() << "no AVX-512 on this CPU";
  for (bool transposed : {true, false}) {
    check(256, 256, 1024, transposed);  // tch-rs's forward shape
    check(256, 1024, 256, transposed);  // and backward
    check(13, 7, 64, transposed);       // a partial row tile, a short K
    check(1, 40, 32, transposed);
  }
}

TEST(RecurrentGemm, ThreadsSplitTheRowsWithoutChangingTheResult) {
  if (!torchlab::text::PackedWeight::supported(32)) GTEST_SKIP() << "no AVX-512 on this CPU";
  const auto w = torch::randn({96, 64});
  const auto a = torch::randn({100, 64});
  const int before = at::get_num_threads();
  auto run = [&](int threads) {
    at::set_num_threads(threads);
    auto c = torch::zeros({100, 96});
    torchlab::text::PackedWeight packed(w.data_ptr<float>(), 64, 96, 1, 64);
    packed.gemm_acc(a.data_ptr<float>(), 64, 1, c.data_ptr<float>(), 96, 100);
    return c;
  };
  const auto one = run(1), two = run(2);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one, two));  // each row's sums run in the same order whichever thread has it
}

// The weight-gradient use: A is a transposed matrix (column stride), B is repacked block by block into one object.
TEST(RecurrentGemm, KBlockedTransposedProductMatchesLibtorch) {
  if (!torchlab::text::PackedWeight::supported(32)) GTEST_SKIP() << "no AVX-512 on this CPU";
  const int64_t K = 1000, M = 72, N = 64;  // K not a multiple of the block
  const auto g = torch::randn({K, M});     // A = g^T
  const auto h = torch::randn({K, N});
  auto c = torch::zeros({M, N});
  torchlab::text::PackedWeight packed;
  for (int64_t k0 = 0; k0 < K; k0 += 300) {
    const int64_t kb = std::min<int64_t>(300, K - k0);
    packed.repack(h.data_ptr<float>() + k0 * N, kb, N, N, 1);
    packed.gemm_acc(g.data_ptr<float>() + k0 * M, 1, M, c.data_ptr<float>(), N, M);
  }
  const auto expected = g.to(torch::kFloat64).t().mm(h.to(torch::kFloat64));
  EXPECT_TRUE(torch::allclose(c.to(torch::kFloat64), expected, 1e-5, 1e-3))
      << (c.to(torch::kFloat64) - expected).abs().max().item<double>();
}

TEST(RecurrentGemm, NeedsColumnsInWholePanels) {
  EXPECT_FALSE(torchlab::text::PackedWeight::supported(48));
  EXPECT_FALSE(torchlab::text::PackedWeight::supported(0));
}

}  // namespace
