#pragma once
// A human plays an agent at the terminal.
#include <functional>
#include <iosfwd>

#include "torchlab/rl/players.h"

namespace torchlab::rl {

struct SessionScore {
  int games = 0, human_wins = 0, agent_wins = 0, draws = 0;
};

// The board with its free cells numbered 1-9 before each of the human's moves, the agent's moves announced, the result
// after each game, then another game until the human says no or input ends (Ctrl-D). `q_text(board)` answers "q".
SessionScore play_session(Player& agent, int8_t human_side, std::istream& in, std::ostream& out,
                          const std::function<std::string(const Board&)>& q_text, uint64_t seed);

}  // namespace torchlab::rl
