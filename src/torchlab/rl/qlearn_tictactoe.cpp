#include "torchlab/rl/qlearn_tictactoe.h"

#include <cmath>
#include <limits>

#include "torchlab/core/error.h"

namespace torchlab::rl {

nlohmann::json QLearnConfig::to_json() const {
  return {{"env", "tictactoe"}, {"episodes", episodes},           {"alpha", alpha},
          {"gamma", gamma},     {"initial_value", initial_value}, {"eps_start", eps_start},
          {"eps_end", eps_end}, {"eps_decay", eps_decay},         {"seed", seed}};
}

QLearnConfig QLearnConfig::from_json(const nlohmann::json& j) {
  QLearnConfig c;
  c.episodes = j.value("episodes", c.episodes);
  c.alpha = j.value("alpha", c.alpha);
  c.gamma = j.value("gamma", c.gamma);
  c.initial_value = j.value("initial_value", c.initial_value);
  c.eps_start = j.value("eps_start", c.eps_start);
  c.eps_end = j.value("eps_end", c.eps_end);
  c.eps_decay = j.value("eps_decay", c.eps_decay);
  c.seed = j.value("seed", c.seed);
  return c;
}

void QLearnConfig::validate() const {
  auto in01 = [](double v, const char* name) {
    if (!(v >= 0 && v <= 1)) throw UserError(std::string("--") + name + " " + std::to_string(v) + " is outside [0, 1]");
  };
  if (episodes <= 0) throw UserError("--episodes must be positive (got " + std::to_string(episodes) + ")");
  if (!(alpha > 0 && alpha <= 1)) throw UserError("--alpha must be in (0, 1] (got " + std::to_string(alpha) + ")");
  in01(gamma, "gamma");
  in01(eps_start, "eps-start");
  in01(eps_end, "eps-end");
  in01(eps_decay, "eps-decay");
}

void qlearn_train(const QLearnConfig& config, tabular::AgentTrainer<TttState>& trainer,
                  const std::function<void(int64_t)>& progress) {
  config.validate();
  std::mt19937_64 rng(config.seed);
  tabular::QLearning<TttState> learning(config.alpha, config.gamma, config.initial_value, /*alternating=*/true);
  // Epsilon falls per decision; a game has about 8 of them.
  const auto decay = static_cast<int64_t>(config.eps_decay * static_cast<double>(config.episodes) * 8);
  tabular::EpsilonGreedy<TttState> explore(config.eps_start, config.eps_end, decay, config.initial_value);
  SelfPlayAgent agent;
  for (int64_t e = 1; e <= config.episodes; ++e) {
    agent.reset();
    tabular::SinkStates<TttState> until_over;
    trainer.train(agent, learning, explore, until_over, rng);
    if (progress && (e % 1000 == 0 || e == config.episodes)) progress(e);
  }
}

Checkpoint qtable_to_checkpoint(const QTableTtt& table, const QLearnConfig& config) {
  Checkpoint ckpt;
  ckpt.meta["kind"] = "qlearn";
  ckpt.meta["env"] = "tictactoe";
  ckpt.meta["config"] = config.to_json();
  ckpt.meta["states"] = table.size();
  // Sorted keys: the same table always writes the same bytes.
  std::vector<uint32_t> keys;
  keys.reserve(table.size());
  for (const auto& [state, values] : table) keys.push_back(state.key());
  std::sort(keys.begin(), keys.end());
  auto k = torch::empty({static_cast<int64_t>(keys.size())}, torch::kInt64);
  auto v =
      torch::full({static_cast<int64_t>(keys.size()), 9}, std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
  auto* kp = k.data_ptr<int64_t>();
  auto* vp = v.data_ptr<double>();
  for (size_t i = 0; i < keys.size(); ++i) {
    kp[i] = keys[i];
    TttState s{Board::from_code(keys[i])};
    for (const auto& [a, q] : table.at(s)) vp[i * 9 + a] = q;
  }
  ckpt.tensors["q.keys"] = k;
  ckpt.tensors["q.values"] = v;
  return ckpt;
}

QTableTtt qtable_from_checkpoint(const Checkpoint& ckpt, const std::string& source) {
  if (ckpt.meta.value("env", "") != "tictactoe")
    throw UserError(source + ": a Q-table for environment \"" + ckpt.meta.value("env", "?") + "\", not tictactoe");
  const auto& k = require_tensor(ckpt, "q.keys");
  const auto& v = require_tensor(ckpt, "q.values");
  if (k.dim() != 1 || v.dim() != 2 || v.size(0) != k.size(0) || v.size(1) != 9 || k.scalar_type() != torch::kInt64 ||
      v.scalar_type() != torch::kFloat64)
    throw UserError(source + ": q.keys/q.values have the wrong shapes or types (expected int64 [n], float64 [n, 9])");
  QTableTtt table;
  const auto* kp = k.data_ptr<int64_t>();
  const auto* vp = v.data_ptr<double>();
  for (int64_t i = 0; i < k.size(0); ++i) {
    if (kp[i] < 0 || kp[i] >= 19683) throw UserError(source + ": q.keys[" + std::to_string(i) + "] is not a board");
    auto& values = table[TttState{Board::from_code(static_cast<uint32_t>(kp[i]))}];
    for (int a = 0; a < 9; ++a)
      if (!std::isnan(vp[i * 9 + a])) values[a] = vp[i * 9 + a];
  }
  return table;
}

}  // namespace torchlab::rl
