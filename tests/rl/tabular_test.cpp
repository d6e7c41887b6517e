#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/players.h"
#include "torchlab/rl/qlearn_tictactoe.h"

using namespace torchlab::rl;
using namespace torchlab::rl::tabular;

namespace {

// A corridor 0..4: move left (-1) or right (+1); reaching 4 pays 1 and ends.
struct Cell {
  using Action = int;
  int pos = 0;
  double reward() const { return pos == 4 ? 1.0 : 0.0; }
  std::vector<int> actions() const { return pos == 4 ? std::vector<int>{} : std::vector<int>{-1, 1}; }
  bool operator==(const Cell& o) const { return pos == o.pos; }
};

}  // namespace

template <>
struct std::hash<Cell> {
  size_t operator()(const Cell& c) const noexcept { return c.pos; }
};

namespace {

class Walker : public Agent<Cell> {
 public:
  const Cell& current_state() const override { return s_; }
  void take_action(const int& a) override { s_.pos = std::max(0, s_.pos + a); }
  Cell s_;
};

}  // namespace

TEST(Tabular, QLearningUpdateIsTheClosedForm) {
  QLearning<Cell> q(0.5, 0.9, 0.0);
  ActionValues<Cell> next{{-1, 0.2}, {1, 0.6}};
  const double old = 0.4;
  // 0.4 + 0.5 (0 + 0.9 * 0.6 - 0.4) = 0.47
  EXPECT_DOUBLE_EQ(q.value(&old, 0.0, Cell{2}, &next), 0.47);
  // Unseen current: starts from the initial value; unseen next: initial for every action.
  QLearning<Cell> q2(0.5, 0.9, 0.1);
  EXPECT_DOUBLE_EQ(q2.value(nullptr, 0.0, Cell{2}, nullptr), 0.1 + 0.5 * (0.9 * 0.1 - 0.1));
  // A sink has no future: 0 + 0.5 (1 - 0) = 0.5.
  EXPECT_DOUBLE_EQ(q.value(nullptr, 1.0, Cell{4}, nullptr), 0.5);
  // Alternating turns: the opponent's best, negated.
  QLearning<Cell> nega(1.0, 0.9, 0.0, true);
  EXPECT_DOUBLE_EQ(nega.value(nullptr, 0.0, Cell{2}, &next), -0.9 * 0.6);
}

TEST(Tabular, TrainerLearnsTheCorridor) {
  AgentTrainer<Cell> trainer;
  QLearning<Cell> learning(1.0, 0.9, 0.0);
  RandomExploration<Cell> explore;
  std::mt19937_64 rng(0);
  for (int e = 0; e < 200; ++e) {
    Walker w;
    SinkStates<Cell> stop(1000);
    trainer.train(w, learning, explore, stop, rng);
  }
  // alpha = 1 in a deterministic world converges to gamma^(steps-1).
  EXPECT_NEAR(*trainer.expected_value(Cell{3}, 1), 1.0, 1e-12);
  EXPECT_NEAR(*trainer.expected_value(Cell{0}, 1), 0.9 * 0.9 * 0.9, 1e-12);
  for (int p = 0; p < 4; ++p) EXPECT_EQ(*trainer.best_action(Cell{p}), 1) << p;
  EXPECT_FALSE(trainer.best_action(Cell{4}).has_value());
  EXPECT_NE(trainer.expected_values(Cell{1}), nullptr);
  // Fixed iterations stop after exactly n actions.
  Walker w;
  FixedIterations<Cell> three(3);
  AgentTrainer<Cell> t2;
  t2.train(w, learning, explore, three, rng);
  int seen = 0;
  for (const auto& [s, values] : t2.export_learned_values()) seen += static_cast<int>(values.size());
  EXPECT_LE(seen, 3);
  // Export / import round trip.
  AgentTrainer<Cell> copy;
  copy.import_state(trainer.export_learned_values());
  EXPECT_EQ(copy.expected_value(Cell{2}, -1), trainer.expected_value(Cell{2}, -1));
}

TEST(Tabular, EpsilonScheduleIsLinear) {
  EpsilonGreedy<Cell> e(1.0, 0.1, 10);
  EXPECT_DOUBLE_EQ(e.epsilon(), 1.0);
  std::mt19937_64 rng(0);
  Walker w;
  QTable<Cell> q;
  for (int i = 0; i < 5; ++i) e.pick_action(q, w, rng);
  EXPECT_NEAR(e.epsilon(), 0.55, 1e-12);
  for (int i = 0; i < 10; ++i) e.pick_action(q, w, rng);
  EXPECT_DOUBLE_EQ(e.epsilon(), 0.1);
}

TEST(Tabular, TicTacToeAgentNeverLosesToMinimax) {
  QLearnConfig config;
  tabular::AgentTrainer<TttState> trainer;
  qlearn_train(config, trainer);
  TabularPlayer agent(trainer.export_learned_values());
  MinimaxPlayer perfect;
  RandomPlayer random;
  std::mt19937_64 rng(11);
  const auto x = play_match(agent, perfect, kX, 200, rng);
  const auto o = play_match(agent, perfect, kO, 200, rng);
  EXPECT_EQ(x.losses, 0);
  EXPECT_EQ(o.losses, 0);
  const auto xr = play_match(agent, random, kX, 500, rng);
  const auto orr = play_match(agent, random, kO, 500, rng);
  EXPECT_EQ(xr.losses, 0);
  EXPECT_EQ(orr.losses, 0);
  EXPECT_GT(xr.pct(xr.wins), 90);
  EXPECT_EQ(agent.unseen(), 0);

  // Saved and loaded through the checkpoint format, the table plays the same.
  testing_support::TempDir dir;
  torchlab::save_checkpoint(qtable_to_checkpoint(trainer.export_learned_values(), config), dir / "q.ckpt");
  auto loaded = qtable_from_checkpoint(torchlab::load_checkpoint(dir / "q.ckpt", "qlearn"), "q.ckpt");
  ASSERT_EQ(loaded.size(), trainer.export_learned_values().size());
  for (const auto& [s, values] : trainer.export_learned_values())
    for (const auto& [a, v] : values) EXPECT_DOUBLE_EQ(loaded.at(s).at(a), v);
  EXPECT_THROW(torchlab::load_checkpoint(dir / "q.ckpt", "dqn"), torchlab::UserError);
}
