#pragma once
// A DQN agent: online and target Q-networks (real Mlp modules), Adam, epsilon-greedy acting with illegal actions
// masked, one-step learning toward targets computed by a trainer, and the EMA / hard-copy target update. On a CPU
// with float32 parameters the fused loops (fused_mlp.h) do the work; otherwise (CUDA, --fused off) libtorch ops.
#include <torch/torch.h>

#include <memory>
#include <random>

#include "torchlab/core/checkpoint.h"
#include "torchlab/rl/dqn_config.h"
#include "torchlab/rl/fused_mlp.h"
#include "torchlab/rl/mlp.h"
#include "torchlab/train/fused_adam.h"

namespace torchlab::rl {

// Linear from `start` to `end` over `duration` steps, then `end`.
double linear_schedule(double start, double end, int64_t duration, int64_t t);

// argmax over the set bits of `legal` (ties: the lowest action); -1 when none.
int masked_argmax(const float* q, int num_actions, uint32_t legal);

class DqnAgent {
 public:
  DqnAgent(const DqnConfig& config, torch::Device device = torch::kCPU);

  const DqnConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  bool fused() const { return fused_; }
  int obs_size() const { return obs_size_; }
  int num_actions() const { return num_actions_; }
  Mlp& online() { return online_; }
  Mlp& target() { return target_; }
  std::shared_ptr<torch::optim::Adam> optimizer() { return optimizer_; }

  // Q-values out [n x actions] of obs [n x obs_size] (row-major floats), online or target network.
  void q_values(const float* obs, int n, float* out);
  void target_q_values(const float* obs, int n, float* out);
  // Inference on tensors: [obs_size] -> [actions], or [n, obs_size] -> [n, actions]; a CPU float tensor.
  torch::Tensor q_values(const torch::Tensor& obs);

  int greedy_action(const float* obs, uint32_t legal);
  // With probability eps a uniformly random legal action, else the greedy one.
  int act(const float* obs, uint32_t legal, double eps, std::mt19937_64& rng);

  // One Adam step on the loss between Q(obs, action) and `targets` (mse or huber, mean over the batch), then the
  // target update. Returns the loss.
  double learn(const float* obs, const int* actions, const float* targets, int n);
  int64_t updates() const { return updates_; }
  void set_updates(int64_t updates) { updates_ = updates; }

  // Re-reads the optimizer's state after it was loaded (the fused step keeps pointers into it).
  void rebind();

  // "<prefix>.target.*" tensors and meta["dqn"] = {config, updates}; the online network and the optimizer are saved by
  // whoever owns them (the Learner, or save_agent below).
  void put_extra(Checkpoint& ckpt) const;
  void load_extra(const Checkpoint& ckpt);

 private:
  void update_target();
  DqnConfig config_;
  torch::Device device_;
  int obs_size_, num_actions_;
  Mlp online_, target_;
  std::shared_ptr<torch::optim::Adam> optimizer_;
  bool fused_ = false;
  FusedMlp online_f_, target_f_;
  train::FusedAdam* fused_adam_ = nullptr;  // optimizer_ itself when fused_
  int64_t updates_ = 0;
  std::vector<float> scratch_;
};

// The prefix of the online network's tensors in a DQN checkpoint (the Learner's model prefix).
extern const char* const kOnlinePrefix;

// A whole agent in one checkpoint of kind "dqn": online network, target, optimizer, config, counters.
Checkpoint agent_checkpoint(DqnAgent& agent);
// Loads a checkpoint made by agent_checkpoint or by `dqn train` into an agent built from dqn_config_of(ckpt).
void load_agent(DqnAgent& agent, const Checkpoint& ckpt, bool with_optimizer = true);

// The DQN config stored in a checkpoint, after checking it is a DQN checkpoint for `env` (empty = any).
DqnConfig dqn_config_of(const Checkpoint& ckpt, const std::string& source, const std::string& env = "");

}  // namespace torchlab::rl
