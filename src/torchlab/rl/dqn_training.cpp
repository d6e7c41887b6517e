#include "torchlab/rl/dqn_training.h"

#include <algorithm>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"

namespace torchlab::rl {

DqnTrainer::DqnTrainer(DqnAgent& agent, uint64_t seed)
    : agent_(agent), config_(agent.config()), replay_(agent.config().replay_capacity, agent.obs_size()), rng_(seed) {}

double DqnTrainer::epsilon() const {
  return linear_schedule(config_.eps_start, config_.eps_end, config_.eps_decay, steps_);
}

void DqnTrainer::record(const float* obs, int action, float reward, const float* next_obs, bool terminal,
                        uint32_t next_legal, EpisodeStats& stats, double& loss_sum) {
  replay_.push(obs, action, reward, next_obs, terminal, next_legal);
  ++steps_;
  ++stats.steps;
  const int64_t warm = std::max<int64_t>(config_.learning_starts, config_.batch_size);
  if (replay_.size() < warm || steps_ % config_.train_every != 0) return;
  replay_.sample(config_.batch_size, rng_, batch_);
  y_.resize(batch_.size);
  targets(y_);
  loss_sum += agent_.learn(batch_.obs.data(), batch_.actions.data(), y_.data(), batch_.size);
  ++stats.updates;
}

void DqnTrainer::put_state(Checkpoint& ckpt) const {
  ckpt.meta["trainer"] = {{"steps", steps_}, {"episodes", episodes_}};
  put_engine(ckpt, "trainer.rng", rng_);
  replay_.save(ckpt, "trainer.replay");
}

void DqnTrainer::load_state(const Checkpoint& ckpt) {
  const auto& t = json_object(ckpt.meta, "trainer", "checkpoint metadata");
  steps_ = json_field<int64_t>(t, "steps", "trainer metadata");
  episodes_ = json_field<int64_t>(t, "episodes", "trainer metadata");
  load_engine(ckpt, "trainer.rng", rng_);
  replay_.load(ckpt, "trainer.replay");
}

void DqnTrainer::max_target_q(const float* obs, int n, const uint32_t* legal, float* out) {
  const int A = agent_.num_actions();
  q_.resize(static_cast<size_t>(n) * A);
  agent_.target_q_values(obs, n, q_.data());
  if (config_.double_dqn) {
    q_select_.resize(q_.size());
    agent_.q_values(obs, n, q_select_.data());
  }
  for (int i = 0; i < n; ++i) {
    const float* sel = (config_.double_dqn ? q_select_.data() : q_.data()) + static_cast<size_t>(i) * A;
    const int a = masked_argmax(sel, A, legal[i]);
    out[i] = a < 0 ? 0.0f : q_[static_cast<size_t>(i) * A + a];
  }
}

// ---- tic-tac-toe self-play ----

namespace {

bool has_line(const float* cells, float who) {
  for (const auto& l : kLines)
    if (cells[l[0]] == who && cells[l[1]] == who && cells[l[2]] == who) return true;
  return false;
}

uint32_t empty_mask(const float* cells) {
  uint32_t m = 0;
  for (int k = 0; k < 9; ++k)
    if (cells[k] == 0) m |= 1u << k;
  return m;
}

int random_legal(uint32_t legal, std::mt19937_64& rng) {
  int pick = std::uniform_int_distribution<int>(0, __builtin_popcount(legal) - 1)(rng);
  for (int a = 0;; ++a)
    if ((legal >> a & 1u) && pick-- == 0) return a;
}

}  // namespace

TicTacToeTrainer::TicTacToeTrainer(DqnAgent& agent, uint64_t seed) : DqnTrainer(agent, seed) {
  if (agent.config().env != "tictactoe") throw UserError("TicTacToeTrainer needs a tictactoe agent");
}

EpisodeStats TicTacToeTrainer::play_episode() {
  EpisodeStats stats;
  double loss_sum = 0;
  int8_t random_side = 0;
  if (config_.random_opponent > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < config_.random_opponent)
    random_side = (rng_() & 1) ? kX : kO;
  Board board;
  float obs[9], next[9];
  while (!board.over()) {
    board.features(obs);
    const uint32_t legal = board.legal_mask();
    const int8_t mover = board.to_move;
    const int action = mover == random_side ? random_legal(legal, rng_) : agent_.act(obs, legal, epsilon(), rng_);
    board.play(action);
    const int8_t w = board.winner();
    board.features(next);
    record(obs, action, w == mover ? 1.0f : 0.0f, next, board.over(), board.legal_mask(), stats, loss_sum);
  }
  ++episodes_;
  stats.episode_return = board.winner();
  if (stats.updates) stats.loss = loss_sum / stats.updates;
  stats.epsilon = epsilon();
  return stats;
}

void TicTacToeTrainer::targets(std::vector<float>& y) {
  if (config_.target == "negamax")
    negamax_targets(y);
  else
    expectimax_targets(y);
}

void TicTacToeTrainer::negamax_targets(std::vector<float>& y) {
  const int n = batch_.size;
  // Non-terminal rows go through the target network in one batch.
  children_.clear();
  child_legal_.clear();
  child_of_.clear();
  for (int i = 0; i < n; ++i) {
    if (batch_.terminal[i]) {
      y[i] = batch_.rewards[i];
      continue;
    }
    const float* s = &batch_.next_obs[static_cast<size_t>(i) * 9];
    children_.insert(children_.end(), s, s + 9);
    child_legal_.push_back(batch_.next_legal[i]);
    child_of_.push_back(i);
  }
  const int m = static_cast<int>(child_of_.size());
  child_weight_.resize(m);
  if (m) max_target_q(children_.data(), m, child_legal_.data(), child_weight_.data());
  const float g = static_cast<float>(config_.gamma);
  for (int k = 0; k < m; ++k) y[child_of_[k]] = -g * child_weight_[k];  // the opponent's best, negated
}

void TicTacToeTrainer::expectimax_targets(std::vector<float>& y) {
  const int n = batch_.size;
  const float g = static_cast<float>(config_.gamma);
  const float eps_o = static_cast<float>(config_.opponent_eps);
  // 1. The opponent's greedy reply in each non-terminal s' (selected by the online network under Double DQN).
  std::vector<int>& rows = child_of_;
  rows.clear();
  children_.clear();
  for (int i = 0; i < n; ++i) {
    y[i] = batch_.rewards[i];
    if (batch_.terminal[i]) continue;
    rows.push_back(i);
    const float* s = &batch_.next_obs[static_cast<size_t>(i) * 9];
    children_.insert(children_.end(), s, s + 9);
  }
  const int m = static_cast<int>(rows.size());
  std::vector<int>& greedy = greedy_;
  greedy.assign(m, -1);
  if (m && eps_o < 1) {
    q_.resize(static_cast<size_t>(m) * 9);
    if (config_.double_dqn)
      agent_.q_values(children_.data(), m, q_.data());
    else
      agent_.target_q_values(children_.data(), m, q_.data());
    for (int k = 0; k < m; ++k)
      greedy[k] = masked_argmax(&q_[static_cast<size_t>(k) * 9], 9, batch_.next_legal[rows[k]]);
  }
  // 2. Every reply a' of the opponent, weighted (1 - eps_o) [a' greedy] + eps_o / |legal|: a win for the opponent
  //    is worth -gamma to us, a draw 0, anything else gamma^2 max Q_target(s'') with s'' seen from us again.
  auto& grandchildren = grandchildren_;
  auto& legal2 = legal2_;
  auto& owner = owner_;
  auto& weight = weight_;
  grandchildren.clear();
  legal2.clear();
  owner.clear();
  weight.clear();
  for (int k = 0; k < m; ++k) {
    const int i = rows[k];
    const float* s = &batch_.next_obs[static_cast<size_t>(i) * 9];
    const uint32_t legal = batch_.next_legal[i];
    const float uniform = eps_o / static_cast<float>(__builtin_popcount(legal));
    for (int a = 0; a < 9; ++a) {
      if (!(legal >> a & 1u)) continue;
      const float p = uniform + (a == greedy[k] ? 1 - eps_o : 0.0f);
      if (p == 0) continue;
      float c[9];
      std::copy(s, s + 9, c);
      c[a] = 1;  // the opponent's piece, in the opponent's view
      if (has_line(c, 1)) {
        y[i] -= p * g;
        continue;
      }
      const uint32_t free = empty_mask(c);
      if (!free) continue;  // draw
      for (int q = 0; q < 9; ++q) grandchildren.push_back(-c[q]);
      legal2.push_back(free);
      owner.push_back(i);
      weight.push_back(p);
    }
  }
  const int m2 = static_cast<int>(owner.size());
  auto& best = best_;
  best.resize(m2);
  if (m2) max_target_q(grandchildren.data(), m2, legal2.data(), best.data());
  for (int j = 0; j < m2; ++j) y[owner[j]] += weight[j] * g * g * best[j];
}

// ---- CartPole ----

CartPoleTrainer::CartPoleTrainer(DqnAgent& agent, uint64_t seed) : DqnTrainer(agent, seed) {
  if (agent.config().env != "cartpole") throw UserError("CartPoleTrainer needs a cartpole agent");
  env_.seed(seed ^ 0x9e3779b97f4a7c15ULL);
}

EpisodeStats CartPoleTrainer::play_episode() {
  EpisodeStats stats;
  double loss_sum = 0;
  env_.reset();
  float obs[4], next[4];
  while (!env_.done()) {
    env_.observe(obs);
    const int action = agent_.act(obs, 3u, epsilon(), rng_);
    const StepOutcome out = env_.step(action);
    env_.observe(next);
    stats.episode_return += out.reward;
    // A time-limit stop is not terminal: its target still bootstraps.
    record(obs, action, static_cast<float>(out.reward), next, out.terminated, 3u, stats, loss_sum);
  }
  ++episodes_;
  if (stats.updates) stats.loss = loss_sum / stats.updates;
  stats.epsilon = epsilon();
  return stats;
}

void CartPoleTrainer::put_state(Checkpoint& ckpt) const {
  DqnTrainer::put_state(ckpt);
  put_engine(ckpt, "trainer.env_rng", env_.engine());
}

void CartPoleTrainer::load_state(const Checkpoint& ckpt) {
  DqnTrainer::load_state(ckpt);
  load_engine(ckpt, "trainer.env_rng", env_.engine());
}

void CartPoleTrainer::targets(std::vector<float>& y) {
  const int n = batch_.size;
  best_.resize(n);
  max_target_q(batch_.next_obs.data(), n, batch_.next_legal.data(), best_.data());
  const float g = static_cast<float>(config_.gamma);
  for (int i = 0; i < n; ++i) y[i] = batch_.rewards[i] + (batch_.terminal[i] ? 0.0f : g * best_[i]);
}

std::unique_ptr<DqnTrainer> make_trainer(DqnAgent& agent, uint64_t seed) {
  if (agent.config().env == "cartpole") return std::make_unique<CartPoleTrainer>(agent, seed);
  return std::make_unique<TicTacToeTrainer>(agent, seed);
}

// ---- evaluation ----

TicTacToeEval evaluate_tictactoe(DqnAgent& agent, const std::string& opponent, int64_t games, uint64_t seed) {
  DqnPlayer me(agent);
  RandomPlayer random;
  MinimaxPlayer perfect;
  Player* other = opponent == "minimax" ? static_cast<Player*>(&perfect) : &random;
  if (opponent != "minimax" && opponent != "random")
    throw UserError("--vs " + opponent + " is not an opponent; choose random or minimax");
  std::mt19937_64 rng(seed);
  TicTacToeEval r;
  r.as_x = play_match(me, *other, kX, games, rng);
  r.as_o = play_match(me, *other, kO, games, rng);
  return r;
}

uint64_t cartpole_eval_seed(EvalPurpose purpose, uint64_t seed, int64_t epoch) {
  auto mix = [](uint64_t z) {  // splitmix64's finalizer
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  const uint64_t tag = purpose == EvalPurpose::validation ? 0x76616c6964ULL : 0x66696e616cULL;  // "valid", "final"
  return mix(mix(mix(tag) ^ seed) ^ static_cast<uint64_t>(epoch));
}

CartPoleEval evaluate_cartpole(DqnAgent& agent, int episodes, uint64_t seed) {
  CartPole env;
  env.seed(seed);
  CartPoleEval r;
  r.episodes = episodes;
  r.min = 1e300;
  r.max = -1e300;
  float obs[4];
  double sum = 0;
  for (int e = 0; e < episodes; ++e) {
    env.reset();
    double ret = 0;
    while (!env.done()) {
      env.observe(obs);
      ret += env.step(agent.greedy_action(obs, 3u)).reward;
    }
    sum += ret;
    r.min = std::min(r.min, ret);
    r.max = std::max(r.max, ret);
  }
  r.mean = episodes ? sum / episodes : 0;
  return r;
}

}  // namespace torchlab::rl
