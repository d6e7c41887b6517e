#include "torchlab/kernels/adam.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "torchlab/kernels/pcg32.h"

using namespace torchlab::kernels;

namespace {

std::vector<float> noise(Pcg32& rng, int64_t n, float scale) {
  std::vector<float> out(n);
  for (auto& x : out) x = (pcg32_float(rng) * 2 - 1) * scale;
  return out;
}

}  // namespace

// The dispatched kernel (8-wide, one-instruction FMA where the CPU has them) and the plain loop agree bit for bit,
// at every length around the vector width, with and without weight decay and amsgrad.
TEST(Adam, FastKernelEqualsTheReferenceBitForBit) {
  Pcg32 rng = pcg32_seed(7, 1);
  for (int64_t n : {1, 7, 8, 9, 31, 64, 67}) {
    for (bool decay : {false, true}) {
      for (bool ams : {false, true}) {
        auto w = noise(rng, n, 1), m = noise(rng, n, 0.1f), v = noise(rng, n, 0.01f), vmax = v;
        for (auto& x : v) x = std::fabs(x);
        for (auto& x : vmax) x = std::fabs(x);
        auto w2 = w, m2 = m, v2 = v, vmax2 = vmax;
        const auto k = adam_scalars(1e-2, 0.9, 0.999, 1e-8, decay ? 0.1 : 0.0, 3);
        for (int step = 0; step < 3; ++step) {
          const auto g = noise(rng, n, 1);
          adam_update(w.data(), g.data(), m.data(), v.data(), ams ? vmax.data() : nullptr, 0, n, k);
          adam_update_reference(w2.data(), g.data(), m2.data(), v2.data(), ams ? vmax2.data() : nullptr, 0, n, k);
        }
        EXPECT_EQ(0, std::memcmp(w.data(), w2.data(), n * sizeof(float))) << n << " " << decay << ams;
        EXPECT_EQ(0, std::memcmp(m.data(), m2.data(), n * sizeof(float)));
        EXPECT_EQ(0, std::memcmp(v.data(), v2.data(), n * sizeof(float)));
      }
    }
  }
}

// The first step from zero moments moves each weight by lr * g / (|g| + eps'), eps' = eps * sqrt(1 - b2): about lr
// against the gradient's sign, whatever its size.
TEST(Adam, FirstStepMovesEachWeightByTheLearningRate) {
  std::vector<float> w = {1.0f, -2.0f, 0.5f}, g = {0.3f, -4.0f, 1e-3f}, m(3, 0), v(3, 0);
  const double lr = 0.01;
  adam_update_reference(w.data(), g.data(), m.data(), v.data(), nullptr, 0, 3,
                        adam_scalars(lr, 0.9, 0.999, 1e-8, 0, 1));
  const double start[] = {1.0, -2.0, 0.5};
  for (int i = 0; i < 3; ++i) {
    const double exact = start[i] - lr * g[i] / (std::fabs(g[i]) + 1e-8 * std::sqrt(1 - 0.999));
    EXPECT_NEAR(w[i], exact, 2e-7) << i;
    EXPECT_FLOAT_EQ(m[i], 0.1f * g[i]);  // within 4 ulps
    EXPECT_FLOAT_EQ(v[i], 0.001f * g[i] * g[i]);
  }
}
