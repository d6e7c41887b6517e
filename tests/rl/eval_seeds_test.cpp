// CartPole's best checkpoint is chosen on validation episodes; the final evaluation (dqn eval) must play others.
#include <gtest/gtest.h>

#include <array>
#include <set>

#include "torchlab/rl/cartpole.h"
#include "torchlab/rl/dqn_training.h"

using namespace torchlab::rl;

namespace {

// The start states of the first n episodes of an evaluation seeded with `seed` (as evaluate_cartpole plays them).
std::set<std::array<double, 4>> starts(uint64_t seed, int n) {
  CartPole env;
  env.seed(seed);
  std::set<std::array<double, 4>> out;
  for (int i = 0; i < n; ++i) {
    env.reset();
    out.insert(env.state());
  }
  return out;
}

}  // namespace

TEST(CartPoleEvalSeeds, ValidationAndFinalEvaluationNeverShareEpisodes) {
  // Final evaluations with any --seed from 0 to 3099 (the old scheme validated epoch e of seed s on seed s + 1000 e,
  // which `dqn eval --seed 1042` replayed for s = 42, e = 1).
  std::set<uint64_t> final_seeds;
  for (uint64_t s = 0; s < 3100; ++s) final_seeds.insert(cartpole_eval_seed(EvalPurpose::final, s));
  EXPECT_EQ(final_seeds.size(), 3100u);
  std::set<uint64_t> valid_seeds;
  for (uint64_t s = 0; s < 100; ++s)
    for (int64_t epoch = 1; epoch <= 30; ++epoch) {
      const uint64_t v = cartpole_eval_seed(EvalPurpose::validation, s, epoch);
      EXPECT_EQ(final_seeds.count(v), 0u) << "run seed " << s << ", epoch " << epoch;
      valid_seeds.insert(v);
    }
  EXPECT_EQ(valid_seeds.size(), 3000u);  // every epoch validates on new episodes too
  EXPECT_EQ(cartpole_eval_seed(EvalPurpose::validation, 42, 3), cartpole_eval_seed(EvalPurpose::validation, 42, 3));

  // And the episodes themselves: seed 42's validation over 6 epochs against final evaluations near it.
  std::set<std::array<double, 4>> validation;
  for (int64_t epoch = 1; epoch <= 6; ++epoch)
    for (const auto& s : starts(cartpole_eval_seed(EvalPurpose::validation, 42, epoch), 20)) validation.insert(s);
  EXPECT_EQ(validation.size(), 120u);
  for (uint64_t s : {0ull, 1ull, 42ull, 1042ull, 2042ull, 6042ull})
    for (const auto& start : starts(cartpole_eval_seed(EvalPurpose::final, s), 20))
      EXPECT_EQ(validation.count(start), 0u) << "final --seed " << s;
}
