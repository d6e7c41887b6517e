#pragma once
// Exact evaluation of a deterministic tic-tac-toe player by enumerating every game instead of sampling some.
#include <cstdint>
#include <string>

#include "torchlab/rl/players.h"

namespace torchlab::rl {

struct Odds {
  double win = 0, draw = 0, loss = 0;  // probabilities for the agent
};

// The exact outcome probabilities of `agent` on `side` against a uniformly random opponent. `agent` must choose
// deterministically (DqnPlayer, TabularPlayer on a complete table).
Odds exact_vs_random(Player& agent, int8_t side);

// Over every position `agent` can reach on `side` against any opponent, the moves it makes that lose value against
// perfect play. 0 means it never loses to any opponent, minimax included.
int64_t imperfect_moves(Player& agent, int8_t side);

// The lines `eval` prints under the sampled games: the exact odds against random (vs "random"), or the imperfect
// move counts (vs "minimax"), for sides "X", "O" or "both".
std::string exact_report(Player& agent, const std::string& vs, const std::string& sides);

}  // namespace torchlab::rl
