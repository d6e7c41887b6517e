#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/config_flags.h"
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
  DqnConfig c;
  TrainRunFlags runs;
};

void add_train(CLI::App& parent) {
  auto f = std::make_shared<TrainFlags>();
  auto* app = parent.add_subcommand("train",
                                    "Train a DQN agent (tic-tac-toe self-play or CartPole): run, dashboard, "
                                    "report");
  add_config_flags(*app, dqn_fields(), f->c);
  add_train_run_flags(*app, f->runs, "dqn-<env>-<time>", "fc1.weight, fc1.bias, ...", "games/episodes");
  add_common(*app, f->common);
  app->callback([f, app] {
    const auto& fields = dqn_fields();
    DqnTrainRequest r;
    // The env's and preset's defaults, then what the flags gave.
    in_flag_words(fields, [&] { r.config = DqnConfig::defaults(f->c.env, f->c.preset); });
    const auto flags = fields.to_json(f->c);
    const auto given = given_fields(*app, fields);
    for (const auto& field : fields.fields())
      if (field.cli && (!field.from_preset || given.count(field.key))) field.set(r.config, flags, "flags");
    for (const auto& key : given)
      if (key != "epochs") r.given.push_back(key);
    r.config.seed = f->common.seed;
    r.runs_dir = f->runs.runs_dir;
    r.run = f->runs.run;
    r.resume = resume_folder(*app, f->runs);
    if (!r.resume.empty() && app->count("--epochs")) r.epochs = f->c.epochs;
    r.overwrite = f->runs.overwrite;
    r.init_from = f->runs.init_from;
    r.device = apply_common(f->common, r.config.step_flops());
    r.quiet = f->runs.quiet;
    r.max_steps = f->runs.max_steps;
    DqnTrainOutcome o;
    in_flag_words(fields, [&] { o = train_dqn(r); });
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
