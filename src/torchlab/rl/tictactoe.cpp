#include "torchlab/rl/tictactoe.h"

#include "torchlab/core/error.h"

namespace torchlab::rl {

const std::array<std::array<int, 3>, 8> kLines = {{
    {0, 1, 2},
    {3, 4, 5},
    {6, 7, 8},  // rows
    {0, 3, 6},
    {1, 4, 7},
    {2, 5, 8},  // columns
    {0, 4, 8},
    {2, 4, 6},  // diagonals
}};

int8_t Board::winner() const {
  for (const auto& l : kLines) {
    const int8_t a = cells[l[0]];
    if (a != 0 && a == cells[l[1]] && a == cells[l[2]]) return a;
  }
  return 0;
}

int Board::filled() const {
  int n = 0;
  for (int8_t c : cells) n += c != 0;
  return n;
}

uint32_t Board::legal_mask() const {
  if (winner() != 0) return 0;
  uint32_t mask = 0;
  for (int k = 0; k < 9; ++k)
    if (cells[k] == 0) mask |= 1u << k;
  return mask;
}

void Board::play(int cell) {
  if (cell < 0 || cell > 8)
    throw UserError("tic-tac-toe: cell " + std::to_string(cell + 1) + " is out of range; choose a cell from 1 to 9");
  if (over()) throw UserError("tic-tac-toe: the game is over; reset the board before playing again");
  if (cells[cell] != 0)
    throw UserError("tic-tac-toe: cell " + std::to_string(cell + 1) + " is taken by " + side_char(cells[cell]) +
                    "; choose an empty cell");
  cells[cell] = to_move;
  to_move = static_cast<int8_t>(-to_move);
}

void Board::features(float* out) const {
  for (int k = 0; k < 9; ++k) out[k] = static_cast<float>(cells[k] * to_move);
}

uint32_t Board::code() const {
  uint32_t c = 0;
  for (int k = 8; k >= 0; --k) c = c * 3 + (cells[k] == kX ? 1 : cells[k] == kO ? 2 : 0);
  return c;
}

Board Board::from_code(uint32_t code) {
  Board b;
  int xs = 0, os = 0;
  for (int k = 0; k < 9; ++k, code /= 3) {
    const uint32_t d = code % 3;
    b.cells[k] = d == 1 ? kX : d == 2 ? kO : 0;
    xs += d == 1;
    os += d == 2;
  }
  b.to_move = xs > os ? kO : kX;
  return b;
}

char side_char(int8_t side) { return side == kX ? 'X' : side == kO ? 'O' : '.'; }

std::string Board::render() const {
  std::string out;
  for (int r = 0; r < 3; ++r) {
    out += " ";
    for (int c = 0; c < 3; ++c) {
      const int k = 3 * r + c;
      out += cells[k] == 0 ? static_cast<char>('1' + k) : side_char(cells[k]);
      if (c < 2) out += " | ";
    }
    out += "\n";
    if (r < 2) out += "---+---+---\n";
  }
  return out;
}

Board board_from_string(const std::string& s) {
  if (s.size() != 9) throw UserError("tic-tac-toe board \"" + s + "\": expected 9 characters from X, O and .");
  Board b;
  int xs = 0, os = 0;
  for (int k = 0; k < 9; ++k) {
    const char ch = s[k];
    if (ch == 'X' || ch == 'x') {
      b.cells[k] = kX;
      ++xs;
    } else if (ch == 'O' || ch == 'o') {
      b.cells[k] = kO;
      ++os;
    } else if (ch != '.' && ch != '-') {
      throw UserError("tic-tac-toe board \"" + s + "\": character " + std::to_string(k + 1) + " is not X, O or .");
    }
  }
  b.to_move = xs > os ? kO : kX;
  return b;
}

StepOutcome TicTacToe::step(int action) {
  const int8_t mover = board_.to_move;
  board_.play(action);
  StepOutcome out;
  const int8_t w = board_.winner();
  out.reward = w == mover ? 1.0 : 0.0;
  out.terminated = w != 0 || board_.full();
  return out;
}

}  // namespace torchlab::rl
