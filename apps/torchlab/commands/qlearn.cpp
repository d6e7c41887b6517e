#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/dqn_task.h"
#include "torchlab/rl/exact_eval.h"
#include "torchlab/rl/play_session.h"
#include "torchlab/rl/qlearn_task.h"

namespace torchlab::cli {
namespace {

namespace fs = std::filesystem;
using namespace torchlab::rl;

void check_env(const std::string& env) {
  if (env != "tictactoe") throw UserError("--env " + env + ": tabular Q-learning is implemented for tictactoe");
}

void add_train(CLI::App& parent) {
  struct Flags {
    Common common;
    std::string env = "tictactoe", init_from;
    QLearnRequest r;
  };
  auto f = std::make_shared<Flags>();
  auto* app = parent.add_subcommand("train", "Learn a Q-table for tic-tac-toe by self-play (rurel-style Q-learning)");
  auto& c = f->r.config;
  app->add_option("--env", f->env, "tictactoe")->capture_default_str();
  app->add_option("--episodes", c.episodes, "self-play games")->capture_default_str();
  app->add_option("--alpha", c.alpha, "learning rate in (0, 1]")->capture_default_str();
  app->add_option("--gamma", c.gamma, "discount per move")->capture_default_str();
  app->add_option("--initial-value", c.initial_value, "value of untried actions")->capture_default_str();
  app->add_option("--eps-start", c.eps_start, "exploration at the start")->capture_default_str();
  app->add_option("--eps-end", c.eps_end, "exploration after the decay")->capture_default_str();
  app->add_option("--eps-decay", c.eps_decay, "share of the episodes over which epsilon falls")->capture_default_str();
  app->add_option("--eval-games", f->r.eval_games, "games per side and opponent at each evaluation")
      ->capture_default_str();
  app->add_option("--run", f->r.run, "run name (a folder under --runs-dir; default: qlearn-tictactoe-<time>)");
  app->add_option("--runs-dir", f->r.runs_dir, "where runs live")->capture_default_str();
  app->add_flag("--overwrite", f->r.overwrite, "start the --run afresh if it exists");
  app->add_option("--init-from", f->init_from,
                  "start from a Q-table in safetensors (q.keys, q.values), as torchlab export writes one");
  app->add_flag("--quiet", f->r.quiet, "no progress bar");
  add_common(*app, f->common);
  app->callback([f] {
    check_env(f->env);
    apply_common(f->common);
    f->r.config.seed = f->common.seed;
    f->r.init_from = f->init_from;
    const auto o = train_qlearn(f->r);
    std::cout << "Learned " << o.states << " positions in " << format_duration(o.seconds) << "\n"
              << "vs random:  X " << o.random_x.summary() << "\n            O " << o.random_o.summary() << "\n"
              << "vs minimax: X " << o.minimax_x.summary() << "\n            O " << o.minimax_o.summary() << "\n"
              << "Run: " << o.run_dir.string() << " (report: " << (o.run_dir / "report.html").string() << ")\n"
              << "Next: torchlab qlearn play --run " << o.run_dir.string() << "\n";
  });
}

struct UseFlags {
  Common common;
  std::string env = "tictactoe", run, checkpoint, runs_dir = "runs", side = "both", vs = "random";
  int64_t games = 1000;
};

fs::path checkpoint_of(const UseFlags& f, const char* what) {
  check_env(f.env);
  if (f.run.empty() && f.checkpoint.empty())
    throw UserError(std::string(what) + ": give --run NAME or --checkpoint FILE");
  return f.checkpoint.empty() ? qlearn_checkpoint_of_run(run_folder(f.run, f.runs_dir)) : fs::path(f.checkpoint);
}

void add_source_flags(CLI::App* app, UseFlags& f) {
  app->add_option("--env", f.env, "tictactoe")->capture_default_str();
  auto* run = app->add_option("--run", f.run, "a run: a name under --runs-dir or a path");
  auto* ckpt = app->add_option("--checkpoint", f.checkpoint, "a qlearn checkpoint file");
  run->excludes(ckpt);
  app->add_option("--runs-dir", f.runs_dir, "where runs live")->capture_default_str();
}

void add_eval(CLI::App& parent) {
  auto f = std::make_shared<UseFlags>();
  auto* app = parent.add_subcommand("eval", "Play the Q-table against random or minimax: wins, draws, losses");
  add_source_flags(app, *f);
  app->add_option("--as", f->side, "X | O | both")->check(CLI::IsMember({"X", "O", "both"}))->capture_default_str();
  app->add_option("--vs", f->vs, "random | minimax")
      ->check(CLI::IsMember({"random", "minimax"}))
      ->capture_default_str();
  app->add_option("--games", f->games, "games per side")->check(CLI::PositiveNumber)->capture_default_str();
  add_common(*app, f->common);
  app->callback([f] {
    apply_common(f->common);
    const auto path = checkpoint_of(*f, "qlearn eval");
    const auto table = load_qtable(path);
    TabularPlayer me(table);
    RandomPlayer random;
    MinimaxPlayer perfect;
    Player& other = f->vs == "minimax" ? static_cast<Player&>(perfect) : random;
    std::mt19937_64 rng(f->common.seed);
    TicTacToeEval e;
    if (f->side != "O") e.as_x = play_match(me, other, kX, f->games, rng);
    if (f->side != "X") e.as_o = play_match(me, other, kO, f->games, rng);
    std::cout << "Q-table " << path.string() << " (" << table.size() << " positions) vs " << f->vs << ", " << f->games
              << " games per side:\n"
              << format_eval(e, f->side) << exact_report(me, f->vs, f->side);
    if (me.unseen())
      std::cout << "  (" << me.unseen() << " moves in positions the table never saw: played at random)\n";
  });
}

void add_play(CLI::App& parent) {
  auto f = std::make_shared<UseFlags>();
  f->side = "X";
  auto* app = parent.add_subcommand("play", "Play tic-tac-toe against the Q-table in the terminal");
  add_source_flags(app, *f);
  app->add_option("--as", f->side, "your side: X (moves first) | O")
      ->check(CLI::IsMember({"X", "O"}))
      ->capture_default_str();
  add_common(*app, f->common);
  app->callback([f] {
    apply_common(f->common);
    const auto table = load_qtable(checkpoint_of(*f, "qlearn play"));
    TabularPlayer me(table);
    auto q_text = [&table](const Board& b) -> std::string {
      auto it = table.find(TttState{b});
      if (it == table.end()) return "The table never saw this position.\n";
      float q[9] = {};
      for (const auto& [a, v] : it->second) q[a] = static_cast<float>(v);
      return "Q-values of the player to move (" + std::string(1, side_char(b.to_move)) + "):\n" + format_q_grid(b, q);
    };
    play_session(me, f->side == "X" ? kX : kO, std::cin, std::cout, q_text, f->common.seed);
  });
}

Register reg(
    "qlearn", "Tabular Q-learning (rurel-style): tic-tac-toe by self-play; train, evaluate, play against it",
    [](CLI::App& app) {
      app.require_subcommand(1);
      add_train(app);
      add_eval(app);
      add_play(app);
    },
    61);

// The tour: a Q-table and a small DQN learn tic-tac-toe in a few seconds each.
void demo(const torch::Device&) {
  QLearnConfig qc;
  qc.episodes = 100000;
  tabular::AgentTrainer<TttState> trainer;
  qlearn_train(qc, trainer);
  TabularPlayer table(trainer.export_learned_values());
  MinimaxPlayer perfect;
  RandomPlayer random;
  std::mt19937_64 rng(1);
  std::cout << "Tabular Q-learning, " << qc.episodes << " self-play games, " << trainer.export_learned_values().size()
            << " positions learned.\n  vs minimax as O: " << play_match(table, perfect, kO, 200, rng).summary() << "\n";
  auto dc = DqnConfig::defaults("tictactoe", "seed");
  torch::manual_seed(1);
  DqnAgent agent(dc);
  TicTacToeTrainer dqn(agent, 1);
  for (int g = 0; g < 3000; ++g) dqn.play_episode();
  const auto e = evaluate_tictactoe(agent, "random", 500, 2);
  std::cout << "DQN (the seed's 9-32-32-9 network, EMA target), 3000 self-play games:\n  vs random as X: "
            << e.as_x.summary() << "\n  vs random as O: " << e.as_o.summary() << "\n";
}

RegisterDemo demo_step(
    "Reinforcement learning: tic-tac-toe", [](const torch::Device& d) { demo(d); }, 60,
    "torchlab dqn train --env tictactoe --run ttt && torchlab dqn play --run ttt");

}  // namespace
}  // namespace torchlab::cli
