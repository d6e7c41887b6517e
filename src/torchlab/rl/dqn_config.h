#pragma once
// Everything that defines a DQN run: one plain struct that round-trips to JSON (config.json and checkpoint
// metadata), with defaults per environment and the seed's preset.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchlab/core/config_fields.h"
#include "torchlab/core/memory.h"

namespace torchlab::rl {

struct DqnConfig {
  std::string env = "tictactoe";   // tictactoe | cartpole
  std::string preset = "default";  // default | seed (tic-tac-toe: the seed's 9-32-32-9 network and negamax targets)
  std::vector<int64_t> hidden = {128, 128};
  double lr = 1e-3;
  int batch_size = 64;
  double gamma = 0.8;
  int64_t replay_capacity = 50000;
  int64_t learning_starts = 1000;     // transitions stored before the first update
  int train_every = 1;                // moves (environment steps) per update
  std::string loss = "mse";           // mse | huber
  std::string target_update = "ema";  // ema: target <- (1-tau) target + tau online after every update | hard
  double tau = 0.01;
  int64_t hard_every = 500;  // updates between hard copies
  bool double_dqn = false;   // online network selects, target network evaluates
  double eps_start = 1.0;
  double eps_end = 0.1;
  int64_t eps_decay = 30000;  // moves over which epsilon falls linearly
  // Tic-tac-toe self-play targets: "negamax" y = r if done else -gamma max_a' Q_target(s', a') (s' seen from the
  // opponent); "expectimax" looks two plies ahead: the opponent replies greedily with probability 1 - opponent_eps and
  // uniformly at random otherwise, and y = E[-gamma if the reply wins, 0 on a draw, gamma^2 max Q_target(s'')].
  std::string target = "expectimax";
  double opponent_eps = 0.5;
  double random_opponent = 0.2;  // fraction of training games in which one side plays uniformly at random
  int64_t episodes_per_epoch = 2000;
  int64_t epochs = 6;
  int64_t eval_episodes = 500;  // CartPole episodes per evaluation (tic-tac-toe evaluations are exact)
  std::string fused = "auto";   // auto (CPU float32: fused loops) | on | off (libtorch ops)
  uint64_t seed = 42;
  // Where the starting weights came from (--init-from): {path, bytes, crc32}; null = random initialization.
  nlohmann::json init_from;

  // The defaults of an environment and preset ("default" or "seed").
  static DqnConfig defaults(const std::string& env, const std::string& preset = "default");
  nlohmann::json to_json() const;
  // Keys missing from `j` keep the defaults of j's env and preset.
  static DqnConfig from_json(const nlohmann::json& j);
  void validate() const;                     // a FieldError naming the field
  std::vector<int64_t> layer_sizes() const;  // {obs, hidden..., actions}
  // Arithmetic of one move (acting, and its share of an update), for the device rule (core/device.h).
  double step_flops() const;
  // What training needs in memory: the replay buffer (twice while a checkpoint of it is encoded), the online and
  // target networks with gradients and Adam's moments, a batch's activations.
  std::vector<MemoryPart> training_memory() const;
};

// The config's fields: JSON keys, CLI flags, checks.
const ConfigFields<DqnConfig>& dqn_fields();

int observation_size(const std::string& env);
int action_count(const std::string& env);

}  // namespace torchlab::rl
