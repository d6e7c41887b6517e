#pragma once
// `qlearn train` end to end: a run directory (config.json, metrics.jsonl with evaluations against random and minimax
// during training, the table as a checkpoint, report.html), and loading the table back for eval and play.
#include <filesystem>
#include <functional>
#include <string>

#include "torchlab/rl/players.h"
#include "torchlab/rl/qlearn_tictactoe.h"

namespace torchlab::rl {

constexpr const char* kQlearnKind = "qlearn";

struct QLearnRequest {
  QLearnConfig config;
  std::filesystem::path runs_dir = "runs";
  std::string run;                  // empty = qlearn-tictactoe-<time>
  std::filesystem::path init_from;  // a Q-table as safetensors (q.keys, q.values) to start from
  bool overwrite = false;
  bool quiet = false;        // no progress bar
  int64_t evaluations = 10;  // evaluation points during training
  int64_t eval_games = 200;  // per side and opponent at each point
  bool write_report = true;
  std::function<void(const std::string&)> print;  // stdout by default
};

struct QLearnOutcome {
  std::filesystem::path run_dir, checkpoint;
  size_t states = 0;
  double seconds = 0;
  MatchResult random_x, random_o, minimax_x, minimax_o;  // the last evaluation
};

QLearnOutcome train_qlearn(const QLearnRequest& request);

// The run's newest table checkpoint.
std::filesystem::path qlearn_checkpoint_of_run(const std::filesystem::path& run_dir);
QTableTtt load_qtable(const std::filesystem::path& checkpoint);

}  // namespace torchlab::rl
