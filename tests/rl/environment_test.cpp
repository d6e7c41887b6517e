#include <gtest/gtest.h>

#include <memory>

#include "torchlab/core/error.h"
#include "torchlab/rl/cartpole.h"
#include "torchlab/rl/tictactoe.h"

using namespace torchlab::rl;

namespace {

struct Trace {
  std::vector<float> observations;
  std::vector<int> players;
  double total = 0;
  int steps = 0;
};

// A random episode driven only through the Environment interface.
Trace random_episode(Environment& env, uint64_t seed) {
  std::mt19937_64 rng(seed);
  env.reset();
  Trace t;
  while (!env.done()) {
    const auto obs = env.observation();
    EXPECT_EQ(static_cast<int>(obs.size()), env.observation_size());
    t.observations.insert(t.observations.end(), obs.begin(), obs.end());
    t.players.push_back(env.current_player());
    const auto legal = env.legal_actions();
    EXPECT_FALSE(legal.empty());
    for (int a : legal) EXPECT_TRUE(a >= 0 && a < env.num_actions());
    const auto out = env.step(legal[rng() % legal.size()]);
    t.total += out.reward;
    ++t.steps;
  }
  EXPECT_TRUE(env.legal_actions().empty());
  return t;
}

}  // namespace

TEST(Environment, EpisodesAreDeterministicUnderASeed) {
  for (const std::string name : {"tictactoe", "cartpole"}) {
    auto make = [&]() -> std::unique_ptr<Environment> {
      if (name == "cartpole") return std::make_unique<CartPole>();
      return std::make_unique<TicTacToe>();
    };
    auto a = make(), b = make();
    a->seed(9);
    b->seed(9);
    for (int e = 0; e < 20; ++e) {
      const auto ta = random_episode(*a, e), tb = random_episode(*b, e);
      EXPECT_EQ(ta.observations, tb.observations) << name;
      EXPECT_EQ(ta.steps, tb.steps);
    }
  }
}

TEST(Environment, PlayersAlternateInTwoPlayerGamesOnly) {
  TicTacToe ttt;
  EXPECT_EQ(ttt.num_players(), 2);
  const auto t = random_episode(ttt, 1);
  for (size_t i = 0; i < t.players.size(); ++i) EXPECT_EQ(t.players[i], static_cast<int>(i % 2));
  EXPECT_LE(t.total, 1.0);  // only the winning move pays
  CartPole cart;
  cart.seed(1);
  EXPECT_EQ(cart.num_players(), 1);
  const auto c = random_episode(cart, 1);
  for (int p : c.players) EXPECT_EQ(p, 0);
  EXPECT_EQ(c.total, c.steps);                     // +1 per step
  EXPECT_THROW(ttt.step(0), torchlab::UserError);  // the game is over
}
