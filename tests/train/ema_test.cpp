#include <gtest/gtest.h>

#include "torchlab/train/ema.h"

TEST(Ema, BlendsParametersAndBuffers) {
  torch::nn::Sequential target(torch::nn::Linear(2, 2), torch::nn::BatchNorm1d(2));
  torch::nn::Sequential online(torch::nn::Linear(2, 2), torch::nn::BatchNorm1d(2));
  torch::NoGradGuard g;
  for (auto& p : target->parameters()) p.fill_(1.0);
  for (auto& p : online->parameters()) p.fill_(3.0);
  for (auto& b : online->buffers())
    if (b.is_floating_point()) b.fill_(5.0);
  auto* bn = online[1]->as<torch::nn::BatchNorm1d>();
  bn->num_batches_tracked.fill_(7);
  torchlab::train::ema_update(*target, *online, 0.25);
  for (auto& p : target->parameters()) EXPECT_TRUE(torch::allclose(p, torch::full_like(p, 0.75 * 1 + 0.25 * 3)));
  auto* tbn = target[1]->as<torch::nn::BatchNorm1d>();
  EXPECT_TRUE(torch::allclose(tbn->running_mean, torch::full({2}, 0.75 * 0 + 0.25 * 5)));
  EXPECT_TRUE(torch::allclose(tbn->running_var, torch::full({2}, 0.75 * 1 + 0.25 * 5)));
  EXPECT_EQ(tbn->num_batches_tracked.item<int64_t>(), 7);  // integer buffers are copied
  torchlab::train::ema_update(*target, *online, 1.0);
  for (auto& p : target->parameters()) EXPECT_TRUE(torch::equal(p, torch::full_like(p, 3.0)));
}
