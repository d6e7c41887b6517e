#include "torchlab/rl/tictactoe.h"

#include <gtest/gtest.h>

#include "torchlab/core/error.h"

using namespace torchlab::rl;

TEST(TicTacToe, EveryLineWinsForEitherSide) {
  for (const auto& line : kLines) {
    for (int8_t side : {kX, kO}) {
      Board b;
      for (int k : line) b.cells[k] = side;
      EXPECT_EQ(b.winner(), side);
      EXPECT_TRUE(b.over());
      EXPECT_EQ(b.legal_mask(), 0u);
    }
  }
  // Two in a line and a different third piece is no win.
  EXPECT_EQ(board_from_string("XXO......").winner(), 0);
}

TEST(TicTacToe, FullBoardWithoutLineIsADraw) {
  Board b = board_from_string("XOXXOOOXX");
  EXPECT_EQ(b.winner(), 0);
  EXPECT_TRUE(b.full());
  EXPECT_TRUE(b.over());
  TicTacToe env;
  // Play the same draw through the environment: only the last move ends it, with reward 0.
  const int moves[] = {0, 1, 2, 4, 3, 5, 7, 6, 8};  // X O X O X O X O X
  for (int i = 0; i < 9; ++i) {
    const auto out = env.step(moves[i]);
    EXPECT_EQ(out.terminated, i == 8) << i;
    EXPECT_EQ(out.reward, 0.0);
  }
  EXPECT_EQ(env.board().cells, b.cells);
}

TEST(TicTacToe, WinningMoveRewardsTheMover) {
  TicTacToe env;
  for (int cell : {0, 3, 1, 4}) EXPECT_FALSE(env.step(cell).terminated);
  EXPECT_EQ(env.current_player(), 0);
  const auto out = env.step(2);  // X completes the top row
  EXPECT_TRUE(out.terminated);
  EXPECT_EQ(out.reward, 1.0);
  EXPECT_TRUE(env.done());
  EXPECT_EQ(env.legal_mask(), 0u);
}

TEST(TicTacToe, IllegalMovesAreErrors) {
  Board b;
  b.play(4);
  EXPECT_THROW(b.play(4), torchlab::UserError);
  EXPECT_THROW(b.play(9), torchlab::UserError);
  EXPECT_THROW(b.play(-1), torchlab::UserError);
  try {
    b.play(4);
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cell 5 is taken by X"), std::string::npos) << e.what();
  }
  Board won = board_from_string("XXX.OO...");
  EXPECT_THROW(won.play(6), torchlab::UserError);
  EXPECT_FALSE(won.legal(6));
}

TEST(TicTacToe, FeaturesAreSeenFromThePlayerToMove) {
  Board b = board_from_string("X...O....");  // X to move
  float f[9];
  b.features(f);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[4], -1.0f);
  EXPECT_EQ(f[1], 0.0f);
  b.play(8);  // O to move now
  b.features(f);
  EXPECT_EQ(f[0], -1.0f);
  EXPECT_EQ(f[4], 1.0f);
  EXPECT_EQ(f[8], -1.0f);
  TicTacToe env;
  env.set_board(b);
  auto t = env.observation();
  EXPECT_EQ(t.size(), 9u);
  EXPECT_EQ(t[4], 1.0f);
}

TEST(TicTacToe, CodesRoundTripAndRenderShowsCellNumbers) {
  Board b = board_from_string("XO..X...O");
  EXPECT_EQ(Board::from_code(b.code()).cells, b.cells);
  EXPECT_EQ(Board::from_code(b.code()).to_move, kX);
  EXPECT_EQ(Board{}.code(), 0u);
  EXPECT_EQ(b.render(), " X | O | 3\n---+---+---\n 4 | X | 6\n---+---+---\n 7 | 8 | O\n");
  EXPECT_EQ(b.legal_mask(), 0b011101100u);
}
