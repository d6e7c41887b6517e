#include "torchlab/rl/exact_eval.h"

#include <gtest/gtest.h>

#include "torchlab/rl/minimax.h"

using namespace torchlab::rl;

namespace {
// Always the lowest free cell: deterministic and weak.
class FirstFree : public Player {
 public:
  std::string name() const override { return "first-free"; }
  int choose(const Board& b, std::mt19937_64&) override { return mask_to_actions(b.legal_mask()).front(); }
};
}  // namespace

TEST(ExactEval, OddsAgreeWithSampledGames) {
  FirstFree agent;
  RandomPlayer random;
  std::mt19937_64 rng(3);
  for (int8_t side : {kX, kO}) {
    const Odds o = exact_vs_random(agent, side);
    EXPECT_NEAR(o.win + o.draw + o.loss, 1.0, 1e-12);
    const auto m = play_match(agent, random, side, 20000, rng);
    EXPECT_NEAR(100 * o.win, m.pct(m.wins), 1.5) << int(side);
    EXPECT_NEAR(100 * o.loss, m.pct(m.losses), 1.5) << int(side);
  }
}

TEST(ExactEval, ImperfectMovesOfPerfectAndWeakPlayers) {
  MinimaxPlayer perfect;
  EXPECT_EQ(imperfect_moves(perfect, kX), 0);
  EXPECT_EQ(imperfect_moves(perfect, kO), 0);
  FirstFree weak;
  EXPECT_GT(imperfect_moves(weak, kX), 0);
  EXPECT_GT(imperfect_moves(weak, kO), 0);
  const auto text = exact_report(perfect, "minimax", "both");
  EXPECT_NE(text.find("exact as X: 0 imperfect moves"), std::string::npos) << text;
  EXPECT_NE(text.find("(it cannot lose)"), std::string::npos);
}
