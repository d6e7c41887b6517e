#include "torchlab/rl/dqn_config.h"

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"

namespace torchlab::rl {

int observation_size(const std::string& env) { return env == "cartpole" ? 4 : 9; }
int action_count(const std::string& env) { return env == "cartpole" ? 2 : 9; }

DqnConfig DqnConfig::defaults(const std::string& env, const std::string& preset) {
  if (env != "tictactoe" && env != "cartpole")
    throw FieldError("env", env, "is not an environment; choose tictactoe or cartpole");
  if (preset != "default" && preset != "seed")
    throw FieldError("preset", preset, "is not a preset; choose default or seed");
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

namespace {

std::function<std::string(const double&)> in_unit_interval() {
  return [](const double& v) { return v >= 0 && v <= 1 ? "" : std::string("must be in [0, 1]"); };
}

}  // namespace

const ConfigFields<DqnConfig>& dqn_fields() {
  using C = DqnConfig;
  static const ConfigFields<C> table = [] {
    ConfigFields<C> t;
    t.add<std::string>("env", &C::env, "tictactoe | cartpole")
        .not_from_preset()
        .check<std::string>(one_of({"tictactoe", "cartpole"}));
    t.add<std::string>("preset", &C::preset, "default | seed (tic-tac-toe: the seed's 9-32-32-9 net, negamax targets)")
        .not_from_preset()
        .check<std::string>(one_of({"default", "seed"}));
    t.add<std::vector<int64_t>>("hidden", &C::hidden, "hidden layer sizes, e.g. 128,128")
        .check<std::vector<int64_t>>([](const std::vector<int64_t>& v) {
          if (v.empty()) return std::string("needs at least one hidden layer size");
          for (int64_t h : v)
            if (h <= 0) return std::string("must be positive sizes");
          return std::string();
        });
    t.add<double>("lr", &C::lr, "Adam learning rate").check(positive());
    t.add<int>("batch_size", &C::batch_size, "transitions per update").flag("batch").check(at_least(1));
    t.add<double>("gamma", &C::gamma, "discount per move").check(in_unit_interval());
    t.add<int64_t>("replay_capacity", &C::replay_capacity, "replay buffer capacity (transitions)")
        .flag("replay")
        .check(at_least<int64_t>(1));
    t.add<int64_t>("learning_starts", &C::learning_starts, "transitions stored before the first update")
        .check(at_least<int64_t>(0));
    t.add<int>("train_every", &C::train_every, "moves per update").check(at_least(1));
    t.add<std::string>("loss", &C::loss, "mse | huber").check<std::string>(one_of({"mse", "huber"}));
    t.add<std::string>("target_update", &C::target_update, "ema (target <- (1-tau) target + tau online) | hard")
        .check<std::string>(one_of({"ema", "hard"}));
    t.add<double>("tau", &C::tau, "EMA rate of the target network per update").check<double>([](const double& v) {
      return v > 0 && v <= 1 ? "" : "must be in (0, 1]";
    });
    t.add<int64_t>("hard_every", &C::hard_every, "updates between hard target copies").check(at_least<int64_t>(1));
    t.add<bool>("double_dqn", &C::double_dqn, "Double DQN: online selects, target evaluates");
    t.add<double>("eps_start", &C::eps_start, "exploration at the start").check(in_unit_interval());
    t.add<double>("eps_end", &C::eps_end, "exploration after the decay").check(in_unit_interval());
    t.add<int64_t>("eps_decay", &C::eps_decay, "moves over which epsilon falls linearly").check(at_least<int64_t>(0));
    t.add<std::string>("target", &C::target, "tic-tac-toe targets: expectimax (two plies, opponent-eps) | negamax")
        .check_config([](const C& c) {
          return c.env != "tictactoe" || c.target == "negamax" || c.target == "expectimax"
                     ? ""
                     : "expected negamax or expectimax";
        });
    t.add<double>("opponent_eps", &C::opponent_eps, "expectimax: chance the modelled opponent replies at random")
        .check(in_unit_interval());
    t.add<double>("random_opponent", &C::random_opponent, "share of training games with one random side")
        .check(in_unit_interval());
    t.add<int64_t>("episodes_per_epoch", &C::episodes_per_epoch, "games (episodes) between evaluations")
        .check(at_least<int64_t>(1));
    t.add<int64_t>("epochs", &C::epochs, "epochs").check(at_least<int64_t>(1));
    t.add<int64_t>("eval_episodes", &C::eval_episodes, "evaluation games per side vs random (CartPole: episodes)")
        .check(at_least<int64_t>(1));
    t.add<std::string>("fused", &C::fused, "auto (fused CPU loops when possible) | on | off (libtorch ops)")
        .not_from_preset()
        .check<std::string>(one_of({"auto", "on", "off"}));
    t.add<uint64_t>("seed", &C::seed, "random seed").no_flag();  // the common --seed
    for (const auto& f : t.fields()) t.make_optional(f.key);
    return t;
  }();
  return table;
}

nlohmann::json DqnConfig::to_json() const {
  auto j = dqn_fields().to_json(*this);
  j["task"] = "dqn";
  if (!init_from.is_null()) j["init_from"] = init_from;
  return j;
}

// Keys missing from `j` keep the defaults of j's env and preset.
DqnConfig DqnConfig::from_json(const nlohmann::json& j) {
  const std::string what = "dqn config";
  if (!j.is_object()) throw UserError(what + " is " + std::string(j.type_name()) + ", expected a JSON object");
  if (json_field_or<std::string>(j, "task", "dqn", what) != "dqn")
    throw UserError("not a DQN config (its task is " + j["task"].dump() + ")");
  DqnConfig c = defaults(json_field_or<std::string>(j, "env", "tictactoe", what),
                         json_field_or<std::string>(j, "preset", "default", what));
  dqn_fields().from_json(c, j, what);
  c.init_from = j.value("init_from", nlohmann::json());
  return c;
}

void DqnConfig::validate() const { dqn_fields().validate(*this); }

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
