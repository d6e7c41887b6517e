#include "torchlab/kernels/pcg32.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace torchlab::kernels;

// pcg-random.org's pcg32-demo, pcg32_srandom_r(&rng, 42u, 54u): "Round 1" of its output.
TEST(Pcg32, MatchesTheReferenceDemo) {
  auto rng = pcg32_seed(42, 54);
  for (uint32_t want : {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu})
    EXPECT_EQ(pcg32_next(rng), want);
}

TEST(Pcg32, UniformNumbersAreDefinedBitForBit) {
  auto rng = pcg32_seed(42, 54);
  EXPECT_EQ(pcg32_float(rng), static_cast<float>(0xa15c02b7u >> 8) / 16777216.0f);
  EXPECT_EQ(pcg32_double(rng),
            (static_cast<double>(0x7b47f409u >> 5) * 67108864.0 + (0xba1d3330u >> 6)) / 9007199254740992.0);
  double lo = 1, hi = 0, sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = pcg32_double(rng);
    lo = std::min(lo, u), hi = std::max(hi, u), sum += u;
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);  // sd of the mean: 0.0009
}

TEST(Pcg32, StreamsAndStatesDiffer) {
  auto a = pcg32_seed(42, 0), b = pcg32_seed(42, 1), c = pcg32_seed(43, 0);
  const uint32_t x = pcg32_next(a), y = pcg32_next(b), z = pcg32_next(c);
  EXPECT_NE(x, y);
  EXPECT_NE(x, z);
}
