#pragma once
// Tic-tac-toe: the board as plain bytes (board logic stays off tensors), and the Environment over it.
#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "torchlab/rl/environment.h"

namespace torchlab::rl {

constexpr int8_t kX = 1;
constexpr int8_t kO = -1;

// The 8 winning lines.
extern const std::array<std::array<int, 3>, 8> kLines;

struct Board {
  std::array<int8_t, 9> cells{};  // +1 X, -1 O, 0 empty; cell k is row k/3, column k%3
  int8_t to_move = kX;

  int8_t winner() const;  // kX, kO or 0
  int filled() const;
  bool full() const { return filled() == 9; }
  bool over() const { return winner() != 0 || full(); }
  uint32_t legal_mask() const;  // empty cells; 0 once the game is over
  bool legal(int cell) const { return cell >= 0 && cell < 9 && (legal_mask() >> cell & 1u); }
  // Plays `cell` for the player to move; an illegal move (occupied, out of range, game over) is a UserError.
  void play(int cell);
  // Nine features seen from the player to move: +1 own piece, -1 opponent, 0 empty (the seed's encoding).
  void features(float* out) const;
  // Base-3 code of the cells (0 empty, 1 X, 2 O): a unique index below 3^9.
  uint32_t code() const;
  static Board from_code(uint32_t code);  // to_move follows from the piece counts (X moves first)
  // Rows of X/O with free cells shown as their numbers 1-9.
  std::string render() const;
};

// `x` plays an X, `o` an O; a string of 9 chars from "XO." (or "xo-"). For tests and fixtures.
Board board_from_string(const std::string& cells);

char side_char(int8_t side);  // 'X', 'O'

class TicTacToe : public Environment {
 public:
  std::string name() const override { return "tictactoe"; }
  int num_players() const override { return 2; }
  int observation_size() const override { return 9; }
  int num_actions() const override { return 9; }
  void seed(uint64_t) override {}  // deterministic: nothing random in the rules
  void reset() override { board_ = Board{}; }
  bool done() const override { return board_.over(); }
  int current_player() const override { return board_.to_move == kX ? 0 : 1; }
  uint32_t legal_mask() const override { return board_.legal_mask(); }
  // Reward +1 to the mover on a win, 0 otherwise (a loss only ever follows the opponent's move).
  StepOutcome step(int action) override;
  void observe(float* out) const override { board_.features(out); }

  const Board& board() const { return board_; }
  void set_board(const Board& board) { board_ = board; }

 private:
  Board board_;
};

}  // namespace torchlab::rl
