#pragma once
// Tabular Q-learning of tic-tac-toe by self-play, on the rurel-style API (tabular.h): both sides share one table of
// positions seen from the player to move, learned with negamax Q-learning.
#include <functional>
#include <nlohmann/json.hpp>

#include "torchlab/core/checkpoint.h"
#include "torchlab/rl/tabular.h"
#include "torchlab/rl/tictactoe.h"

namespace torchlab::rl {

// A position seen from the player to move. reward(): +1 when the player who just moved won.
struct TttState {
  using Action = int;  // cell 0-8
  Board board;
  double reward() const { return board.winner() != 0 ? 1.0 : 0.0; }
  std::vector<int> actions() const { return mask_to_actions(board.legal_mask()); }
  uint32_t key() const { return board.code(); }  // the position fixes who moves (X moves first)
  bool operator==(const TttState& o) const { return key() == o.key(); }
};

}  // namespace torchlab::rl

template <>
struct std::hash<torchlab::rl::TttState> {
  size_t operator()(const torchlab::rl::TttState& s) const noexcept { return s.key(); }
};

namespace torchlab::rl {

// The agent plays both sides of one game.
class SelfPlayAgent : public tabular::Agent<TttState> {
 public:
  const TttState& current_state() const override { return state_; }
  void take_action(const int& cell) override { state_.board.play(cell); }
  void reset() { state_ = TttState{}; }

 private:
  TttState state_;
};

struct QLearnConfig {
  int64_t episodes = 200000;
  double alpha = 0.5;
  double gamma = 0.9;
  double initial_value = 0.0;
  double eps_start = 1.0;
  double eps_end = 0.1;
  double eps_decay = 0.8;  // fraction of the episodes over which epsilon falls
  uint64_t seed = 42;

  nlohmann::json to_json() const;
  static QLearnConfig from_json(const nlohmann::json& j);
  void validate() const;  // UserError on out-of-range values
};

using QTableTtt = tabular::QTable<TttState>;

// Trains from an empty (or the given) table; `progress(episodes_done)` is called every 1 000 episodes.
void qlearn_train(const QLearnConfig& config, tabular::AgentTrainer<TttState>& trainer,
                  const std::function<void(int64_t)>& progress = {});

// Checkpoint kind "qlearn": meta {env, config, states}; tensors "q.keys" int64 [n], "q.values" float64 [n, 9]
// (NaN = action never tried).
Checkpoint qtable_to_checkpoint(const QTableTtt& table, const QLearnConfig& config);
QTableTtt qtable_from_checkpoint(const Checkpoint& ckpt, const std::string& source);

}  // namespace torchlab::rl
