#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/dqn_training.h"
#include "torchlab/rl/qlearn_tictactoe.h"

using namespace torchlab::rl;

TEST(Dqn, MaskingNeverPicksAnIllegalAction) {
  std::mt19937_64 rng(5);
  float q[9];
  for (int t = 0; t < 20000; ++t) {
    for (float& v : q) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    const uint32_t legal = static_cast<uint32_t>(rng() % 511) + 1;
    const int a = masked_argmax(q, 9, legal);
    ASSERT_TRUE(legal >> a & 1u);
    for (int b = 0; b < 9; ++b)
      if (legal >> b & 1u) ASSERT_GE(q[a], q[b]);
  }
  EXPECT_EQ(masked_argmax(q, 9, 0), -1);
  // The agent, greedy and exploring, on real boards whose best Q-values sit on occupied cells.
  torch::manual_seed(0);
  DqnAgent agent(DqnConfig::defaults("tictactoe", "seed"));
  RandomPlayer random;
  for (int g = 0; g < 300; ++g) {
    Board b;
    while (!b.over()) {
      float f[9];
      b.features(f);
      const int a = agent.act(f, b.legal_mask(), g % 3 == 0 ? 1.0 : 0.0, rng);
      ASSERT_TRUE(b.legal(a));
      b.play(a);
      if (!b.over()) b.play(random.choose(b, rng));
    }
  }
}

TEST(Dqn, LinearScheduleAndConfigChecks) {
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.1, 100, 0), 1.0);
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.1, 100, 50), 0.55);
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.1, 100, 500), 0.1);
  auto c = DqnConfig::defaults("tictactoe");
  c.validate();
  auto bad = c;
  bad.eps_start = 1.5;
  EXPECT_THROW(bad.validate(), torchlab::UserError);
  bad = c;
  bad.episodes_per_epoch = 0;
  EXPECT_THROW(bad.validate(), torchlab::UserError);
  bad = c;
  bad.batch_size = -3;
  EXPECT_THROW(bad.validate(), torchlab::UserError);
  EXPECT_THROW(DqnConfig::defaults("pong"), torchlab::UserError);
  // JSON round trip keeps every field.
  c.hidden = {17, 5};
  c.double_dqn = true;
  c.tau = 0.123;
  const auto back = DqnConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  // Wrong types and out-of-range numbers are UserErrors naming the key (before: json::type_error, or an undefined
  // float-to-int conversion for 1e12 into an int).
  EXPECT_THROW(DqnConfig::from_json({{"hidden", {1.5}}}), torchlab::UserError);
  EXPECT_THROW(DqnConfig::from_json({{"batch_size", 1e12}}), torchlab::UserError);
  EXPECT_THROW(DqnConfig::from_json({{"env", 3}}), torchlab::UserError);
  EXPECT_EQ(DqnConfig::defaults("tictactoe", "seed").layer_sizes(), (std::vector<int64_t>{9, 32, 32, 9}));
}

TEST(Dqn, SaveLoadRoundTripGivesIdenticalQValues) {
  torch::manual_seed(1);
  auto config = DqnConfig::defaults("tictactoe", "seed");
  config.learning_starts = 64;
  DqnAgent agent(config);
  TicTacToeTrainer trainer(agent, 3);
  for (int g = 0; g < 30; ++g) trainer.play_episode();
  ASSERT_GT(agent.updates(), 0);
  testing_support::TempDir dir;
  torchlab::save_checkpoint(agent_checkpoint(agent), dir / "a.ckpt");
  auto ckpt = torchlab::load_checkpoint(dir / "a.ckpt", "dqn");
  const auto restored_config = dqn_config_of(ckpt, "a.ckpt", "tictactoe");
  torch::manual_seed(99);  // a different initialisation, overwritten by the load
  DqnAgent copy(restored_config);
  load_agent(copy, ckpt);
  EXPECT_EQ(copy.updates(), agent.updates());
  auto boards = torch::randint(-1, 2, {50, 9}).to(torch::kFloat32);
  EXPECT_TRUE(torch::equal(agent.q_values(boards), copy.q_values(boards)));
  EXPECT_TRUE(torch::equal(agent.q_values(boards[3]), copy.q_values(boards[3])));  // one board
  // The optimizer state came along: the next update is the same on both.
  auto x = torch::randint(-1, 2, {64, 9}).to(torch::kFloat32);
  auto a = torch::randint(0, 9, {64}, torch::kInt32);
  auto y = torch::randn({64});
  agent.learn(x.data_ptr<float>(), a.data_ptr<int>(), y.data_ptr<float>(), 64);
  copy.learn(x.data_ptr<float>(), a.data_ptr<int>(), y.data_ptr<float>(), 64);
  EXPECT_TRUE(torch::equal(agent.q_values(boards), copy.q_values(boards)));
  auto tq = torch::empty({50, 9});
  auto tq2 = torch::empty({50, 9});
  agent.target_q_values(boards.data_ptr<float>(), 50, tq.data_ptr<float>());
  copy.target_q_values(boards.data_ptr<float>(), 50, tq2.data_ptr<float>());
  EXPECT_TRUE(torch::equal(tq, tq2));
}

TEST(Dqn, CheckpointOfAnotherKindOrEnvironmentIsAClearError) {
  torchlab::Checkpoint q = qtable_to_checkpoint({}, QLearnConfig{});
  try {
    dqn_config_of(q, "q.ckpt");
    FAIL();
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("\"qlearn\" checkpoint, not a DQN one"), std::string::npos) << e.what();
  }
  DqnAgent cart(DqnConfig::defaults("cartpole", "seed"));
  auto ckpt = agent_checkpoint(cart);
  try {
    dqn_config_of(ckpt, "c.ckpt", "tictactoe");
    FAIL();
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("for cartpole, not tictactoe"), std::string::npos) << e.what();
  }
  // Loading a cartpole network into a tic-tac-toe agent names the mismatching shape.
  DqnAgent ttt(DqnConfig::defaults("tictactoe", "seed"));
  EXPECT_THROW(load_agent(ttt, ckpt), torchlab::UserError);
}

// A short self-play run (the seed's network and negamax targets, 2 000 games, about a second) beats a random player by
// a clear margin. The full targets (default settings) are measured by `torchlab dqn eval`.
TEST(Dqn, ShortSelfPlayRunBeatsRandom) {
  torch::manual_seed(2);
  auto config = DqnConfig::defaults("tictactoe", "seed");
  config.eps_decay = 10000;
  DqnAgent agent(config);
  TicTacToeTrainer trainer(agent, 4);
  for (int g = 0; g < 2000; ++g) trainer.play_episode();
  const auto eval = evaluate_tictactoe(agent, "random", 300, 8);
  EXPECT_GT(eval.as_x.pct(eval.as_x.wins), 85.0) << eval.as_x.summary();
  EXPECT_LT(eval.as_x.pct(eval.as_x.losses), 5.0) << eval.as_x.summary();
  EXPECT_GT(eval.as_o.pct(eval.as_o.wins), 60.0) << eval.as_o.summary();
  EXPECT_LT(eval.as_o.pct(eval.as_o.losses), 10.0) << eval.as_o.summary();
  // Random play for comparison: X wins about 58.5 %, O about 28.8 % of games.
}
