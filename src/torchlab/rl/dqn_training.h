#pragma once
// The DQN training loops as library pieces: a trainer plays one episode at a time (storing transitions and making an
// update after every `train_every` steps once the replay holds `learning_starts`), and the evaluators measure the
// greedy policy. The `dqn train` command drives them through the Learner; tests and the benchmark call them directly.
#include <cmath>
#include <limits>
#include <random>

#include "torchlab/rl/cartpole.h"
#include "torchlab/rl/dqn_agent.h"
#include "torchlab/rl/players.h"
#include "torchlab/rl/replay.h"

namespace torchlab::rl {

struct EpisodeStats {
  double episode_return = 0;  // CartPole: steps survived; tic-tac-toe: +1 X won, -1 O won, 0 draw
  int steps = 0;              // moves / environment steps
  int updates = 0;
  double loss = std::numeric_limits<double>::quiet_NaN();  // mean over the episode's updates
  double epsilon = 0;                                      // at the episode's end
};

class DqnTrainer {
 public:
  DqnTrainer(DqnAgent& agent, uint64_t seed);
  virtual ~DqnTrainer() = default;
  virtual EpisodeStats play_episode() = 0;

  double epsilon() const;
  int64_t steps() const { return steps_; }
  int64_t episodes() const { return episodes_; }
  void set_counters(int64_t steps, int64_t episodes) {
    steps_ = steps;
    episodes_ = episodes;
  }
  ReplayBuffer& replay() { return replay_; }
  // Counters, the engine and the replay buffer under "trainer.*" (and meta["trainer"]), for exact resumes.
  virtual void put_state(Checkpoint& ckpt) const;
  virtual void load_state(const Checkpoint& ckpt);
  std::mt19937_64& rng() { return rng_; }

 protected:
  // Stores a transition, counts the step and trains when it is time; adds the loss to `stats`.
  void record(const float* obs, int action, float reward, const float* next_obs, bool terminal, uint32_t next_legal,
              EpisodeStats& stats, double& loss_sum);
  // y for every transition of batch_.
  virtual void targets(std::vector<float>& y) = 0;
  // max_a' Q_target(s', a') over legal a' (Double DQN: a' chosen by the online network) for `n` observations.
  void max_target_q(const float* obs, int n, const uint32_t* legal, float* out);

  DqnAgent& agent_;
  const DqnConfig& config_;
  ReplayBuffer replay_;
  std::mt19937_64 rng_;
  TransitionBatch batch_;
  std::vector<float> y_, q_, q_select_;
  int64_t steps_ = 0, episodes_ = 0;
};

// Self-play with one network: both sides act with it (epsilon-greedy; in a `random_opponent` share of the games one
// side plays at random instead) and every move is a transition seen from its mover. Targets per config.target.
class TicTacToeTrainer : public DqnTrainer {
 public:
  TicTacToeTrainer(DqnAgent& agent, uint64_t seed);
  EpisodeStats play_episode() override;

 private:
  void targets(std::vector<float>& y) override;
  void negamax_targets(std::vector<float>& y);
  void expectimax_targets(std::vector<float>& y);
  // Scratch reused by every update (no allocation in the hot loop).
  std::vector<float> children_, grandchildren_, child_weight_, weight_, best_;
  std::vector<uint32_t> child_legal_, legal2_;
  std::vector<int> child_of_, owner_, greedy_;
};

class CartPoleTrainer : public DqnTrainer {
 public:
  CartPoleTrainer(DqnAgent& agent, uint64_t seed);
  EpisodeStats play_episode() override;
  void put_state(Checkpoint& ckpt) const override;
  void load_state(const Checkpoint& ckpt) override;

 private:
  void targets(std::vector<float>& y) override;
  CartPole env_;
  std::vector<float> best_;
};

std::unique_ptr<DqnTrainer> make_trainer(DqnAgent& agent, uint64_t seed);

struct TicTacToeEval {
  MatchResult as_x, as_o;
};
// The greedy agent against `opponent` ("random" or "minimax"), `games` games on each side.
TicTacToeEval evaluate_tictactoe(DqnAgent& agent, const std::string& opponent, int64_t games, uint64_t seed);

struct CartPoleEval {
  double mean = 0, min = 0, max = 0;
  int episodes = 0;
};
// The greedy agent on `episodes` CartPole-v1 episodes (seeded, so repeatable).
CartPoleEval evaluate_cartpole(DqnAgent& agent, int episodes, uint64_t seed);

// The environment seed of a CartPole evaluation. Validation after each epoch (which picks best.ckpt) and the final
// evaluation (dqn eval) hash the seed with different tags, so their episodes come from separate streams: the selected
// checkpoint is never scored on the episodes that selected it, whatever --seed each was given.
enum class EvalPurpose { validation, final };
uint64_t cartpole_eval_seed(EvalPurpose purpose, uint64_t seed, int64_t epoch = 0);

}  // namespace torchlab::rl
