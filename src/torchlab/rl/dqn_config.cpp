#include "torchlab/rl/dqn_config.h"

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"

namespace torchlab::rl {

int observation_size(const std::string& env) { return env == "cartpole" ? 4 : 9; }
int action_count(const std::string& env) { return env == "cartpole" ? 2 : 9; }

DqnConfig DqnConfig::defaults(const std::string& env, const std::string& preset) {
  if (env != "tictactoe" && env != "cartpole")
    throw UserError("--env " + env + " is not an environment; choose tictactoe or cartpole");
  if (preset != "default" && preset != "seed")
    throw UserError("--preset " + preset + " is not a preset; choose default or seed");
  DqnConfig c;
  c.env = env;
  c.preset = preset;
  if (env == "tictactoe" && preset == "seed") {
    // The seed's network and the algorithm: negamax targets, EMA target, one Adam step per move.
    c.hidden = {32, 32};
    c.gamma = 0.9;
    c.target = "negamax";
    c.random_opponent = 0;
  } else if (env == "cartpole") {
    // Double DQN with a soft target; greedy returns swing on CartPole, so the run keeps its best evaluation apart.
    c.hidden = {128, 128};
    c.lr = 3e-4;
    c.batch_size = 128;
    c.gamma = 0.99;
    c.loss = "huber";
    c.tau = 0.005;
    c.double_dqn = true;
    c.eps_end = 0.05;
    c.eps_decay = 10000;
    c.target = "";
    c.opponent_eps = 0;
    c.random_opponent = 0;
    c.episodes_per_epoch = 10;
    c.epochs = 60;
    c.eval_episodes = 50;
    if (preset == "seed") c.hidden = {32, 32};
  }
  return c;
}

nlohmann::json DqnConfig::to_json() const {
  nlohmann::json j = {{"task", "dqn"},
                      {"env", env},
                      {"preset", preset},
                      {"hidden", hidden},
                      {"lr", lr},
                      {"batch_size", batch_size},
                      {"gamma", gamma},
                      {"replay_capacity", replay_capacity},
                      {"learning_starts", learning_starts},
                      {"train_every", train_every},
                      {"loss", loss},
                      {"target_update", target_update},
                      {"tau", tau},
                      {"hard_every", hard_every},
                      {"double_dqn", double_dqn},
                      {"eps_start", eps_start},
                      {"eps_end", eps_end},
                      {"eps_decay", eps_decay},
                      {"target", target},
                      {"opponent_eps", opponent_eps},
                      {"random_opponent", random_opponent},
                      {"episodes_per_epoch", episodes_per_epoch},
                      {"epochs", epochs},
                      {"eval_episodes", eval_episodes},
                      {"fused", fused},
                      {"seed", seed}};
  if (!init_from.is_null()) j["init_from"] = init_from;
  return j;
}

DqnConfig DqnConfig::from_json(const nlohmann::json& j) try {
  const std::string what = "dqn config";
  if (json_field_or<std::string>(j, "task", "dqn", what) != "dqn")
    throw UserError("not a DQN config (its task is " + j["task"].dump() + ")");
  DqnConfig c = defaults(json_field_or<std::string>(j, "env", "tictactoe", what),
                         json_field_or<std::string>(j, "preset", "default", what));
#define TORCHLAB_FIELD(name) c.name = json_field_or(j, #name, c.name, what)
  TORCHLAB_FIELD(hidden);
  TORCHLAB_FIELD(lr);
  TORCHLAB_FIELD(batch_size);
  TORCHLAB_FIELD(gamma);
  TORCHLAB_FIELD(replay_capacity);
  TORCHLAB_FIELD(learning_starts);
  TORCHLAB_FIELD(train_every);
  TORCHLAB_FIELD(loss);
  TORCHLAB_FIELD(target_update);
  TORCHLAB_FIELD(tau);
  TORCHLAB_FIELD(hard_every);
  TORCHLAB_FIELD(double_dqn);
  TORCHLAB_FIELD(eps_start);
  TORCHLAB_FIELD(eps_end);
  TORCHLAB_FIELD(eps_decay);
  TORCHLAB_FIELD(target);
  TORCHLAB_FIELD(opponent_eps);
  TORCHLAB_FIELD(random_opponent);
  TORCHLAB_FIELD(episodes_per_epoch);
  TORCHLAB_FIELD(epochs);
  TORCHLAB_FIELD(eval_episodes);
  TORCHLAB_FIELD(fused);
  TORCHLAB_FIELD(seed);
  c.init_from = j.value("init_from", nlohmann::json());
#undef TORCHLAB_FIELD
  return c;
} catch (const nlohmann::json::exception& e) {
  throw UserError(std::string("the DQN config has a value of the wrong type: ") + e.what());
}

void DqnConfig::validate() const {
  auto fail = [](const std::string& flag, const std::string& what) { throw UserError("--" + flag + " " + what); };
  auto unit = [&](double v, const char* flag) {
    if (!(v >= 0 && v <= 1)) fail(flag, std::to_string(v) + " is outside [0, 1]");
  };
  auto positive = [&](int64_t v, const char* flag) {
    if (v <= 0) fail(flag, "must be positive (got " + std::to_string(v) + ")");
  };
  if (env != "tictactoe" && env != "cartpole") fail("env", env + " is not tictactoe or cartpole");
  for (int64_t h : hidden) positive(h, "hidden");
  if (hidden.empty()) fail("hidden", "needs at least one hidden layer size");
  if (!(lr > 0)) fail("lr", "must be positive");
  positive(batch_size, "batch");
  unit(gamma, "gamma");
  positive(replay_capacity, "replay");
  if (learning_starts < 0) fail("learning-starts", "must not be negative");
  positive(train_every, "train-every");
  if (loss != "mse" && loss != "huber") fail("loss", loss + " is not mse or huber");
  if (target_update != "ema" && target_update != "hard") fail("target-update", target_update + " is not ema or hard");
  if (!(tau > 0 && tau <= 1)) fail("tau", std::to_string(tau) + " is outside (0, 1]");
  positive(hard_every, "hard-every");
  unit(eps_start, "eps-start");
  unit(eps_end, "eps-end");
  if (eps_decay < 0) fail("eps-decay", "must not be negative");
  if (env == "tictactoe" && target != "negamax" && target != "expectimax")
    fail("target", target + " is not negamax or expectimax");
  unit(opponent_eps, "opponent-eps");
  unit(random_opponent, "random-opponent");
  positive(episodes_per_epoch, "episodes-per-epoch");
  positive(epochs, "epochs");
  positive(eval_episodes, "eval-episodes");
  if (fused != "auto" && fused != "on" && fused != "off") fail("fused", fused + " is not auto, on or off");
}

double DqnConfig::step_flops() const {
  const auto sizes = layer_sizes();
  double params = 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i)
    params += static_cast<double>(sizes[i] + 1) * static_cast<double>(sizes[i + 1]);
  // A move: one forward on one board; every train_every moves, an update of a batch.
  return 2 * params + 6 * params * batch_size / std::max(1, train_every);
}

std::vector<MemoryPart> DqnConfig::training_memory() const {
  const auto sizes = layer_sizes();
  double params = 0, widths = 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    params += static_cast<double>(sizes[i] + 1) * static_cast<double>(sizes[i + 1]);
    widths += static_cast<double>(sizes[i + 1]);
  }
  // Per transition: observation and next observation (float), action, reward, terminal flag, legal-move mask.
  const double transition = 2.0 * 4 * static_cast<double>(sizes.front()) + 4 + 4 + 1 + 4;
  return {{"replay buffer", 2 * transition * static_cast<double>(replay_capacity)},
          {"networks and Adam state", 5 * 4 * params},
          {"activations of a batch", 3 * 4 * widths * static_cast<double>(batch_size)}};
}

std::vector<int64_t> DqnConfig::layer_sizes() const {
  std::vector<int64_t> s{observation_size(env)};
  s.insert(s.end(), hidden.begin(), hidden.end());
  s.push_back(action_count(env));
  return s;
}

}  // namespace torchlab::rl
