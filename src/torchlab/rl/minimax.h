#pragma once
// Tic-tac-toe solved by negamax: the game-theoretic value of every position, computed once (about 5 500 reachable
// positions) and shared.
#include <array>
#include <cstdint>

#include "torchlab/rl/tictactoe.h"

namespace torchlab::rl {

// +1: the player to move wins with perfect play, 0: draw, -1: loses. A finished game: from the point of view of the
// player who would move next (so -1 after the opponent's winning move, 0 after a draw).
int minimax_value(const Board& board);

// The value for the player to move of playing each cell (-2 for illegal cells).
std::array<int, 9> minimax_move_values(const Board& board);

// Bit i set = cell i is a perfect move (keeps the position's value).
uint32_t minimax_best_moves(const Board& board);

}  // namespace torchlab::rl
