#pragma once
// `dqn train` end to end through the Learner: the run directory, the dashboard (moves/s, games/s, epsilon, loss,
// self-play outcomes or the rolling return), an evaluation against a random player (and minimax) after every epoch as
// validation metrics, checkpoints (online + target + optimizer + replay + counters + config) and the report. Loading
// a trained agent back for eval and play. The CLI only maps flags.
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "torchlab/rl/dqn_agent.h"
#include "torchlab/rl/dqn_training.h"

namespace torchlab::rl {

constexpr const char* kDqnKind = "dqn";

struct DqnTrainRequest {
  DqnConfig config;
  std::vector<std::string> given;  // config keys set by flags: with resume they must match the run's
  std::filesystem::path runs_dir = "runs";
  std::string run;                  // name under runs_dir; empty = dqn-<env>-<time>
  std::filesystem::path resume;     // a run directory to continue (empty = new run)
  std::filesystem::path init_from;  // safetensors weights to start from (a new run only; PyTorch state_dict names)
  int64_t epochs = 0;               // with resume: train up to this many epochs (0 = the run's own)
  bool overwrite = false;
  torch::Device device = torch::kCPU;
  bool quiet = false;
  bool write_report = true;
  int64_t max_steps = 0;  // episodes (0 = no limit)
  int64_t log_every_steps = 100;
  std::function<void(const std::string&)> print;  // epoch lines (stdout by default)
};

struct DqnTrainOutcome {
  std::filesystem::path run_dir;
  DqnConfig config;
  int64_t episodes = 0, steps = 0;  // games / moves (CartPole: episodes / environment steps)
  double seconds = 0;               // wall time of the training loop, evaluations included
  std::map<std::string, double> last_eval;
};

DqnTrainOutcome train_dqn(const DqnTrainRequest& request);

struct LoadedDqn {
  std::filesystem::path checkpoint;
  std::unique_ptr<DqnAgent> agent;
  int64_t episodes = 0;
};

// The checkpoint `dqn eval/play` use: checkpoints/best.ckpt when the run keeps one (CartPole), else the newest.
std::filesystem::path dqn_checkpoint_of_run(const std::filesystem::path& run_dir);
// Loads a DQN checkpoint for inference; another kind, or `env` (when given) not matching, is a UserError.
LoadedDqn load_dqn(const std::filesystem::path& checkpoint, const torch::Device& device, const std::string& env = "");


// One line per side: "as X: wins 995 (99.5%) · draws 5 (0.5%) · losses 0 (0.0%)".
std::string format_eval(const TicTacToeEval& eval, const std::string& sides);

}  // namespace torchlab::rl
