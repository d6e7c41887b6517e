#include "torchlab/rl/minimax.h"

#include <algorithm>
#include <vector>

namespace torchlab::rl {
namespace {

constexpr int kUnknown = 2;

int solve(const Board& b, std::vector<int8_t>& memo) {
  const size_t key = b.code() * 2 + (b.to_move == kO);
  if (memo[key] != kUnknown) return memo[key];
  int value;
  if (b.winner() != 0) {
    value = b.winner() == b.to_move ? 1 : -1;
  } else if (b.full()) {
    value = 0;
  } else {
    value = -1;
    for (int k = 0; k < 9 && value < 1; ++k) {
      if (b.cells[k] != 0) continue;
      Board next = b;
      next.cells[k] = b.to_move;
      next.to_move = static_cast<int8_t>(-b.to_move);
      value = std::max(value, -solve(next, memo));
    }
  }
  memo[key] = static_cast<int8_t>(value);
  return value;
}

// Every position reachable from the empty board, solved on first use (thread-safe static initialisation).
const std::vector<int8_t>& table() {
  static const std::vector<int8_t> memo = [] {
    std::vector<int8_t> m(19683 * 2, kUnknown);
    solve(Board{}, m);
    return m;
  }();
  return memo;
}

// Positions off the table (unreachable ones a test or a caller built) are searched without memo.
int lookup(const Board& b) {
  const int8_t v = table()[b.code() * 2 + (b.to_move == kO)];
  if (v != kUnknown) return v;
  if (b.winner() != 0) return b.winner() == b.to_move ? 1 : -1;
  if (b.full()) return 0;
  int value = -1;
  for (int k = 0; k < 9 && value < 1; ++k) {
    if (b.cells[k] != 0) continue;
    Board next = b;
    next.cells[k] = b.to_move;
    next.to_move = static_cast<int8_t>(-b.to_move);
    value = std::max(value, -lookup(next));
  }
  return value;
}

}  // namespace

int minimax_value(const Board& board) { return lookup(board); }

std::array<int, 9> minimax_move_values(const Board& board) {
  std::array<int, 9> out;
  const uint32_t legal = board.legal_mask();
  for (int k = 0; k < 9; ++k) {
    if (!(legal >> k & 1u)) {
      out[k] = -2;
      continue;
    }
    Board next = board;
    next.play(k);
    out[k] = -minimax_value(next);
  }
  return out;
}

uint32_t minimax_best_moves(const Board& board) {
  const auto values = minimax_move_values(board);
  int best = -2;
  for (int v : values) best = std::max(best, v);
  uint32_t mask = 0;
  for (int k = 0; k < 9; ++k)
    if (values[k] == best && best > -2) mask |= 1u << k;
  return mask;
}

}  // namespace torchlab::rl
