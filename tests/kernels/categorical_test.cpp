#include "torchlab/kernels/categorical.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "torchlab/kernels/pcg32.h"

using namespace torchlab::kernels;

namespace {
int32_t draw(const float* logits, int32_t n, float t, int32_t k, double u) {
  CategoricalScratch s;
  return categorical_draw(logits, n, t, k, u, s);
}
}  // namespace

TEST(Categorical, ClosedForms) {
  const float logits[4] = {0.f, std::log(3.f), 0.f, -50.f};  // softmax ≈ 1/5, 3/5, 1/5, 0
  EXPECT_EQ(draw(logits, 4, 1, 0, 0.0), 0);
  EXPECT_EQ(draw(logits, 4, 1, 0, 0.19), 0);
  EXPECT_EQ(draw(logits, 4, 1, 0, 0.21), 1);
  EXPECT_EQ(draw(logits, 4, 1, 0, 0.79), 1);
  EXPECT_EQ(draw(logits, 4, 1, 0, 0.81), 2);
  EXPECT_EQ(draw(logits, 4, 1, 0, 0.9999999), 2);  // the weight of index 3 is e^-50 / 5 of the total
  EXPECT_EQ(draw(logits, 4, 1, 1, 0.99), 1);       // top-1 = argmax
  EXPECT_EQ(draw(logits, 4, 1, 2, 0.20), 0);       // top-2 of {0, 1, 2}: ties by lower index → {0, 1}: 1/4, 3/4
  EXPECT_EQ(draw(logits, 4, 1, 2, 0.26), 1);
  EXPECT_EQ(draw(logits, 4, 1, 2, 0.999), 1);
  EXPECT_EQ(draw(logits, 4, 1e-3f, 0, 0.999), 1);  // low temperature → argmax
  // Temperature 2: weights 1, sqrt 3, 1 → the boundary of index 0 is at 1 / (2 + sqrt 3) = 0.268.
  EXPECT_EQ(draw(logits, 4, 2, 0, 0.26), 0);
  EXPECT_EQ(draw(logits, 4, 2, 0, 0.27), 1);
}

TEST(Categorical, ProbabilitiesAreTorchSoftmax) {
  torch::manual_seed(3);
  auto logits = torch::randn({97}) * 3;
  std::vector<float> p(97);
  CategoricalScratch s;
  for (float t : {1.0f, 0.7f, 1.9f}) {
    categorical_probabilities(logits.data_ptr<float>(), 97, t, 0, p.data(), s);
    auto want = torch::softmax(logits.to(torch::kDouble) / double(t), 0);
    for (int i = 0; i < 97; ++i) EXPECT_NEAR(p[i], want[i].item<double>(), 1e-6) << t << " " << i;
  }
  // Top-5: the softmax of the five largest, zero elsewhere.
  categorical_probabilities(logits.data_ptr<float>(), 97, 1, 5, p.data(), s);
  auto top = std::get<1>(logits.topk(5));
  auto want = torch::softmax(logits.index_select(0, top).to(torch::kDouble), 0);
  double sum = 0;
  for (int j = 0; j < 5; ++j) {
    EXPECT_NEAR(p[top[j].item<int64_t>()], want[j].item<double>(), 1e-6);
    sum += p[top[j].item<int64_t>()];
  }
  EXPECT_NEAR(sum, 1, 1e-6);
}

// The fast version (nth_element, scratch) picks exactly what the spec's plain loops pick, ties included.
TEST(Categorical, FastEqualsReference) {
  auto rng = pcg32_seed(7, 1);
  CategoricalScratch s;
  std::vector<float> logits(50);
  for (int trial = 0; trial < 3000; ++trial) {
    const int32_t n = 1 + trial % 50;
    for (int32_t i = 0; i < n; ++i) logits[i] = static_cast<float>(pcg32_next(rng) % 9) * 0.5f - 2;  // many ties
    const int32_t k = static_cast<int32_t>(pcg32_next(rng) % (n + 2));
    const float t = 0.1f + pcg32_float(rng) * 2;
    const double u = pcg32_double(rng);
    EXPECT_EQ(categorical_draw(logits.data(), n, t, k, u, s), categorical_draw_reference(logits.data(), n, t, k, u))
        << trial;
  }
}

// Drawn with PCG32 uniforms, the frequencies follow the probabilities.
TEST(Categorical, FrequenciesFollowTheProbabilities) {
  const float logits[5] = {1.0f, 0.0f, -1.0f, 2.0f, 0.5f};
  std::vector<float> p(5);
  CategoricalScratch s;
  categorical_probabilities(logits, 5, 0.8f, 4, p.data(), s);
  EXPECT_EQ(p[2], 0.0f);
  auto rng = pcg32_seed(1, 2);
  std::vector<int> count(5);
  const int n = 40000;
  for (int i = 0; i < n; ++i) ++count[categorical_draw(logits, 5, 0.8f, 4, pcg32_double(rng), s)];
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(count[i] / double(n), p[i], 0.01) << i;  // sd ≤ 0.0025
}
