#include "torchlab/kernels/vec_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace fast = torchlab::kernels::fast;

TEST(VecMath, SigmoidAndTanhWithin2e7) {
  double worst_s = 0, worst_t = 0;
  for (int k = -200000; k <= 200000; ++k) {
    const float x = k * 1e-4f;  // [-20, 20]
    worst_s = std::max(worst_s, std::abs(fast::sigmoid(x) - 1.0 / (1.0 + std::exp(-double(x)))));
    worst_t = std::max(worst_t, std::abs(fast::tanh(x) - std::tanh(double(x))));
  }
  EXPECT_LT(worst_s, 2e-7);
  EXPECT_LT(worst_t, 2e-7);
  EXPECT_LT(fast::sigmoid(-200.0f), 1e-37f);
  EXPECT_EQ(fast::sigmoid(200.0f), 1.0f);
  EXPECT_EQ(fast::tanh(100.0f), 1.0f);
  EXPECT_EQ(fast::tanh(-100.0f), -1.0f);
  EXPECT_NEAR(fast::tanh(1e-6f), 1e-6f, 1e-12);
}

TEST(VecMath, ExpIsExactAtZeroAndCloseElsewhere) {
  EXPECT_EQ(fast::exp(0.0f), 1.0f);
  double worst = 0;
  for (int k = -8700; k <= 0; ++k) {
    const float x = k * 1e-2f;
    worst = std::max(worst, std::abs(fast::exp(x) / std::exp(double(x)) - 1));
  }
  EXPECT_LT(worst, 3e-7);  // relative
}

// A vector lane computes exactly what the scalar code does (the premise of same bits on every build).
TEST(VecMath, LanesMatchScalarBitForBit) {
  float in[67], out[67];
  for (int k = 0; k < 67; ++k) in[k] = (k - 32) * 0.37f;
  fast::apply<fast::vf4, fast::vi4, true>(in, out, 67);
  for (int k = 0; k < 67; ++k) EXPECT_EQ(out[k], fast::tanh(in[k])) << k;
  fast::apply<fast::vf4, fast::vi4, false>(in, out, 67);
  for (int k = 0; k < 67; ++k) EXPECT_EQ(out[k], fast::sigmoid(in[k])) << k;
}
