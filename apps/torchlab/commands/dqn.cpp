#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/dqn_task.h"
#include "torchlab/rl/exact_eval.h"
#include "torchlab/rl/play_session.h"

namespace torchlab::cli {
namespace {

namespace fs = std::filesystem;
using namespace torchlab::rl;

struct TrainFlags {
  Common common;
  std::string env = "tictactoe", preset = "default";
  DqnConfig c;
  std::string run, resume, runs_dir = "runs";
  bool overwrite = false, quiet = false;
  std::string init_from;
  int64_t max_steps = 0;
};

// Flag -> config key; only the flags given override the env/preset defaults.
const std::vector<std::pair<std::string, std::string>>& flag_keys() {
  static const std::vector<std::pair<std::string, std::string>> keys = {{"--hidden", "hidden"},
                                                                        {"--lr", "lr"},
                                                                        {"--batch", "batch_size"},
                                                                        {"--gamma", "gamma"},
                                                                        {"--replay", "replay_capacity"},
                                                                        {"--learning-starts", "learning_starts"},
                                                                        {"--train-every", "train_every"},
                                                                        {"--loss", "loss"},
                                                                        {"--target-update", "target_update"},
                                                                        {"--tau", "tau"},
                                                                        {"--hard-every", "hard_every"},
                                                                        {"--double-dqn", "double_dqn"},
                                                                        {"--eps-start", "eps_start"},
                                                                        {"--eps-end", "eps_end"},
                                                                        {"--eps-decay", "eps_decay"},
                                                                        {"--target", "target"},
                                                                        {"--opponent-eps", "opponent_eps"},
                                                                        {"--random-opponent", "random_opponent"},
                                                                        {"--episodes-per-epoch", "episodes_per_epoch"},
                                                                        {"--epochs", "epochs"},
                                                                        {"--eval-episodes", "eval_episodes"},
                                                                        {"--fused", "fused"}};
  return keys;
}

void add_train(CLI::App& parent) {
  auto f = std::make_shared<TrainFlags>();
  auto* app = parent.add_subcommand("train",
                                    "Train a DQN agent (tic-tac-toe self-play or CartPole): run, dashboard, "
                                    "report");
  auto& c = f->c;
  app->add_option("--env", f->env, "tictactoe | cartpole")->capture_default_str();
  app->add_option("--preset", f->preset, "default | seed (tic-tac-toe: the seed's 9-32-32-9 net, negamax targets)")
      ->capture_default_str();
  app->add_option("--hidden", c.hidden, "hidden layer sizes, e.g. 128,128")->delimiter(',')->default_str("preset");
  app->add_option("--lr", c.lr, "Adam learning rate")->default_str("preset");
  app->add_option("--batch", c.batch_size, "transitions per update")->default_str("preset");
  app->add_option("--gamma", c.gamma, "discount per move")->default_str("preset");
  app->add_option("--replay", c.replay_capacity, "replay buffer capacity (transitions)")->default_str("preset");
  app->add_option("--learning-starts", c.learning_starts, "transitions stored before the first update")
      ->default_str("preset");
  app->add_option("--train-every", c.train_every, "moves per update")->default_str("preset");
  app->add_option("--loss", c.loss, "mse | huber")->default_str("preset");
  app->add_option("--target-update", c.target_update, "ema (target <- (1-tau) target + tau online) | hard")
      ->default_str("preset");
  app->add_option("--tau", c.tau, "EMA rate of the target network per update")->default_str("preset");
  app->add_option("--hard-every", c.hard_every, "updates between hard target copies")->default_str("preset");
  app->add_flag("--double-dqn,!--no-double-dqn", c.double_dqn, "Double DQN: online selects, target evaluates");
  app->add_option("--eps-start", c.eps_start, "exploration at the start")->default_str("preset");
  app->add_option("--eps-end", c.eps_end, "exploration after the decay")->default_str("preset");
  app->add_option("--eps-decay", c.eps_decay, "moves over which epsilon falls linearly")->default_str("preset");
  app->add_option("--target", c.target, "tic-tac-toe targets: expectimax (two plies, opponent-eps) | negamax")
      ->default_str("preset");
  app->add_option("--opponent-eps", c.opponent_eps, "expectimax: chance the modelled opponent replies at random")
      ->default_str("preset");
  app->add_option("--random-opponent", c.random_opponent, "share of training games with one random side")
      ->default_str("preset");
  app->add_option("--episodes-per-epoch", c.episodes_per_epoch, "games (episodes) between evaluations")
      ->default_str("preset");
  app->add_option("--epochs", c.epochs, "epochs")->default_str("preset");
  app->add_option("--eval-episodes", c.eval_episodes, "evaluation games per side vs random (CartPole: episodes)")
      ->default_str("preset");
  app->add_option("--fused", c.fused, "auto (fused CPU loops when possible) | on | off (libtorch ops)")
      ->default_str("auto");
  app->add_option("--run", f->run, "run name (a folder under --runs-dir; default: dqn-<env>-<time>)");
  app->add_option("--resume", f->resume, "continue a run (a name or a path; alone: the --run one)")
      ->expected(0, 1)
      ->default_str("");
  app->add_option("--runs-dir", f->runs_dir, "where runs live")->capture_default_str();
  app->add_flag("--overwrite", f->overwrite, "start the --run afresh if it exists");
  app->add_option("--init-from", f->init_from,
                  "start from these weights (safetensors, PyTorch state_dict names: fc1.weight, fc1.bias, ...)");
  app->add_option("--max-steps", f->max_steps, "stop after this many games/episodes (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  app->add_flag("--quiet", f->quiet, "no dashboard");
  add_common(*app, f->common);
  app->callback([f, app] {
    DqnTrainRequest r;
    auto merged = DqnConfig::defaults(f->env, f->preset).to_json();
    const auto given = f->c.to_json();
    for (const auto& [flag, key] : flag_keys()) {
      if (!app->count(flag)) continue;
      merged[key] = given[key];
      if (key != "epochs") r.given.push_back(key);
    }
    for (const char* flag : {"--env", "--preset"})
      if (app->count(flag)) r.given.push_back(flag + 2);
    merged["seed"] = f->common.seed;
    r.config = DqnConfig::from_json(merged);
    r.runs_dir = f->runs_dir;
    r.run = f->run;
    if (app->count("--resume")) {
      if (f->resume.empty() && f->run.empty())
        throw UserError("--resume: name the run to continue (--resume NAME, or --run NAME --resume)");
      if (f->overwrite) throw UserError("--resume and --overwrite contradict each other; pick one");
      r.resume = run_folder(f->resume.empty() ? f->run : f->resume, f->runs_dir);
      if (app->count("--epochs")) r.epochs = f->c.epochs;
    }
    r.overwrite = f->overwrite;
    r.init_from = f->init_from;
    r.device = apply_common(f->common, r.config.step_flops());
    r.quiet = f->quiet;
    r.max_steps = f->max_steps;
    const auto o = train_dqn(r);
    std::cout << "Trained " << o.episodes << (o.config.env == "cartpole" ? " episodes, " : " games, ") << o.steps
              << (o.config.env == "cartpole" ? " steps" : " moves") << " in " << format_duration(o.seconds) << "\n"
              << "Run: " << o.run_dir.string() << " (report: " << (o.run_dir / "report.html").string() << ")\n"
              << "Next: torchlab dqn eval --run " << o.run_dir.string()
              << (o.config.env == "tictactoe" ? " --vs minimax" : "") << "\n";
    if (o.config.env == "tictactoe") std::cout << "      torchlab dqn play --run " << o.run_dir.string() << "\n";
  });
}

struct UseFlags {
  Common common;
  std::string run, checkpoint, runs_dir = "runs", side = "both", vs = "random";
  int64_t games = 0;
};

fs::path checkpoint_of(const UseFlags& f, const char* what) {
  if (f.run.empty() && f.checkpoint.empty())
    throw UserError(std::string(what) + ": give --run NAME or --checkpoint FILE");
  return f.checkpoint.empty() ? dqn_checkpoint_of_run(run_folder(f.run, f.runs_dir)) : fs::path(f.checkpoint);
}

void add_source_flags(CLI::App* app, UseFlags& f) {
  auto* run = app->add_option("--run", f.run, "a run: a name under --runs-dir or a path");
  auto* ckpt = app->add_option("--checkpoint", f.checkpoint, "a dqn checkpoint file");
  run->excludes(ckpt);
  app->add_option("--runs-dir", f.runs_dir, "where runs live")->capture_default_str();
}

std::string describe(const LoadedDqn& d) {
  const auto& c = d.agent->config();
  std::string sizes;
  for (int64_t s : c.layer_sizes()) sizes += (sizes.empty() ? "" : "-") + std::to_string(s);
  return "DQN " + d.checkpoint.string() + " (" + c.env + ", " + sizes + ", " + std::to_string(d.episodes) +
         (c.env == "cartpole" ? " episodes" : " games") + ")";
}

void add_eval(CLI::App& parent) {
  auto f = std::make_shared<UseFlags>();
  auto* app = parent.add_subcommand("eval", "Play a trained agent against random or minimax: wins, draws, losses");
  add_source_flags(app, *f);
  app->add_option("--as", f->side, "X | O | both")->check(CLI::IsMember({"X", "O", "both"}))->capture_default_str();
  app->add_option("--vs", f->vs, "random | minimax")
      ->check(CLI::IsMember({"random", "minimax"}))
      ->capture_default_str();
  app->add_option("--games", f->games, "games per side (CartPole: episodes); default 1000 (CartPole 100)")
      ->check(CLI::PositiveNumber);
  add_common(*app, f->common);
  app->callback([f] {
    const auto device = apply_common(f->common, 0);  // one board at a time: the CPU's
    auto loaded = load_dqn(checkpoint_of(*f, "dqn eval"), device);
    auto& agent = *loaded.agent;
    if (agent.config().env == "cartpole") {
      const int64_t n = f->games ? f->games : 100;
      const auto e =
          evaluate_cartpole(agent, static_cast<int>(n), cartpole_eval_seed(EvalPurpose::final, f->common.seed));
      std::cout << describe(loaded) << "\n  greedy return over " << n << " episodes: mean " << e.mean << ", min "
                << e.min << ", max " << e.max << (e.mean >= 475 ? "  (solved: >= 475)" : "") << "\n";
      return;
    }
    const int64_t n = f->games ? f->games : 1000;
    DqnPlayer me(agent);
    RandomPlayer random;
    MinimaxPlayer perfect;
    Player& other = f->vs == "minimax" ? static_cast<Player&>(perfect) : random;
    std::mt19937_64 rng(f->common.seed);
    TicTacToeEval e;
    if (f->side != "O") e.as_x = play_match(me, other, kX, n, rng);
    if (f->side != "X") e.as_o = play_match(me, other, kO, n, rng);
    std::cout << describe(loaded) << " vs " << f->vs << ", " << n << " games per side:\n"
              << format_eval(e, f->side) << exact_report(me, f->vs, f->side);
  });
}

void add_play(CLI::App& parent) {
  auto f = std::make_shared<UseFlags>();
  f->side = "X";
  auto* app = parent.add_subcommand("play", "Play tic-tac-toe against a trained agent in the terminal");
  add_source_flags(app, *f);
  app->add_option("--as", f->side, "your side: X (moves first) | O")
      ->check(CLI::IsMember({"X", "O"}))
      ->capture_default_str();
  add_common(*app, f->common);
  app->callback([f] {
    const auto device = apply_common(f->common, 0);  // one board at a time: the CPU's
    auto loaded = load_dqn(checkpoint_of(*f, "dqn play"), device);
    auto& agent = *loaded.agent;
    if (agent.config().env != "tictactoe")
      throw UserError(loaded.checkpoint.string() + " is a " + agent.config().env +
                      " agent; dqn play is for tic-tac-toe agents (try torchlab dqn eval)");
    DqnPlayer me(agent);
    auto q_text = [&agent](const Board& b) {
      float obs[9];
      b.features(obs);
      auto q = agent.q_values(torch::from_blob(obs, {9}).clone());
      return "Q-values of the player to move (" + std::string(1, side_char(b.to_move)) + "):\n" +
             format_q_grid(b, q.data_ptr<float>());
    };
    play_session(me, f->side == "X" ? kX : kO, std::cin, std::cout, q_text, f->common.seed);
  });
}

Register reg(
    "dqn", "Deep Q-learning: tic-tac-toe by self-play, CartPole; train, evaluate, play against it",
    [](CLI::App& app) {
      app.require_subcommand(1);
      add_train(app);
      add_eval(app);
      add_play(app);
    },
    60);

}  // namespace
}  // namespace torchlab::cli
