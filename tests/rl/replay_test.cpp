#include "torchlab/rl/replay.h"

#include <gtest/gtest.h>

#include <map>

using namespace torchlab::rl;

namespace {
void push_numbered(ReplayBuffer& r, int i) {
  float obs[2] = {static_cast<float>(i), 0.5f};
  float next[2] = {static_cast<float>(i + 1), -0.5f};
  r.push(obs, i % 3, 0.25f * i, next, i % 2 == 0, static_cast<uint32_t>(i));
}
}  // namespace

TEST(Replay, WrapsAroundKeepingTheNewest) {
  ReplayBuffer r(4, 2);
  for (int i = 0; i < 3; ++i) push_numbered(r, i);
  EXPECT_EQ(r.size(), 3);
  TransitionBatch b;
  r.get(0, b);
  EXPECT_EQ(b.obs[0], 0.0f);
  for (int i = 3; i < 10; ++i) push_numbered(r, i);
  EXPECT_EQ(r.size(), 4);
  for (int k = 0; k < 4; ++k) {  // oldest first: 6, 7, 8, 9
    r.get(k, b);
    const int i = 6 + k;
    EXPECT_EQ(b.obs[0], static_cast<float>(i));
    EXPECT_EQ(b.next_obs[0], static_cast<float>(i + 1));
    EXPECT_EQ(b.next_obs[1], -0.5f);
    EXPECT_EQ(b.actions[0], i % 3);
    EXPECT_EQ(b.rewards[0], 0.25f * i);
    EXPECT_EQ(b.terminal[0], i % 2 == 0);
    EXPECT_EQ(b.next_legal[0], static_cast<uint32_t>(i));
  }
  EXPECT_THROW(r.get(4, b), std::out_of_range);
}

TEST(Replay, SamplesUniformlyFromWhatIsStored) {
  ReplayBuffer r(8, 2);
  for (int i = 0; i < 12; ++i) push_numbered(r, i);  // holds 4..11
  std::mt19937_64 rng(1);
  TransitionBatch b;
  std::map<int, int> counts;
  for (int round = 0; round < 1000; ++round) {
    r.sample(16, rng, b);
    ASSERT_EQ(b.size, 16);
    for (int k = 0; k < 16; ++k) {
      const int i = static_cast<int>(b.obs[2 * k]);
      ++counts[i];
      EXPECT_EQ(b.next_obs[2 * k], static_cast<float>(i + 1));  // rows stay whole
      EXPECT_EQ(b.actions[k], i % 3);
    }
  }
  ASSERT_EQ(counts.size(), 8u);
  EXPECT_EQ(counts.begin()->first, 4);
  for (const auto& [i, n] : counts) EXPECT_NEAR(n, 2000, 200) << i;  // 16000 draws over 8 slots
}
