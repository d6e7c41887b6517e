#pragma once
// Tic-tac-toe players for evaluation and play: random, perfect (minimax, ties broken at random), the tabular agent,
// the DQN agent, and a human at the terminal.
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "torchlab/rl/qlearn_tictactoe.h"
#include "torchlab/rl/tictactoe.h"

namespace torchlab::rl {

class DqnAgent;

class Player {
 public:
  virtual ~Player() = default;
  virtual std::string name() const = 0;
  // A legal cell (0-8) for board.to_move, or -1 to stop playing (a human at the end of input).
  virtual int choose(const Board& board, std::mt19937_64& rng) = 0;
};

class RandomPlayer : public Player {
 public:
  std::string name() const override { return "random"; }
  int choose(const Board& board, std::mt19937_64& rng) override;
};

class MinimaxPlayer : public Player {
 public:
  std::string name() const override { return "minimax"; }
  int choose(const Board& board, std::mt19937_64& rng) override;
};

// Best known action; a position the table never saw gets a random legal move (counted in unseen()).
class TabularPlayer : public Player {
 public:
  explicit TabularPlayer(const QTableTtt& table) : table_(table) {}
  std::string name() const override { return "qlearn"; }
  int choose(const Board& board, std::mt19937_64& rng) override;
  int64_t unseen() const { return unseen_; }

 private:
  const QTableTtt& table_;
  int64_t unseen_ = 0;
};

// Greedy on the agent's Q-values, illegal cells masked.
class DqnPlayer : public Player {
 public:
  explicit DqnPlayer(DqnAgent& agent) : agent_(agent) {}
  std::string name() const override { return "dqn"; }
  int choose(const Board& board, std::mt19937_64& rng) override;

 private:
  DqnAgent& agent_;
};

// Reads cells 1-9 from `in`; an occupied cell, a number out of range or anything else asks again; "q" shows
// `values(board)` (the agent's Q-values) when given; end of input (Ctrl-D) returns -1.
class HumanPlayer : public Player {
 public:
  HumanPlayer(std::istream& in, std::ostream& out, std::function<std::string(const Board&)> values = {})
      : in_(in), out_(out), values_(std::move(values)) {}
  std::string name() const override { return "you"; }
  int choose(const Board& board, std::mt19937_64& rng) override;

 private:
  std::istream& in_;
  std::ostream& out_;
  std::function<std::string(const Board&)> values_;
};

// The Q-values of the player to move as a 3x3 grid ("  -  " on occupied cells).
std::string format_q_grid(const Board& board, const float* q);

struct MatchResult {
  int64_t wins = 0, draws = 0, losses = 0;  // of the agent
  int64_t games() const { return wins + draws + losses; }
  double pct(int64_t n) const { return games() ? 100.0 * static_cast<double>(n) / static_cast<double>(games()) : 0; }
  std::string summary() const;  // "wins 987 (98.7%) · draws 13 (1.3%) · losses 0 (0.0%)"
};

// `agent` plays `side` (kX or kO) against `opponent` for `games` games.
MatchResult play_match(Player& agent, Player& opponent, int8_t side, int64_t games, std::mt19937_64& rng);

// Plays one game, X first; returns the winner (kX, kO, 0 = draw) or nullopt when a player stopped (-1).
// `on_move(board, cell)` is called after every move.
std::optional<int8_t> play_game(Player& x, Player& o, std::mt19937_64& rng,
                                const std::function<void(const Board&, int)>& on_move = {});

}  // namespace torchlab::rl
