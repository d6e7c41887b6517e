#include "torchlab/rl/qlearn_task.h"

#include <chrono>
#include <optional>

#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/export.h"
#include "torchlab/train/report.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::rl {
namespace fs = std::filesystem;

QLearnOutcome train_qlearn(const QLearnRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  auto print = request.print ? request.print : [](const std::string& s) { Console::get().out(s); };
  const QLearnConfig& config = request.config;
  config.validate();
  if (request.eval_games <= 0) throw UserError("--eval-games must be positive");
  tabular::AgentTrainer<TttState> trainer;
  auto config_json = config.to_json();
  if (!request.init_from.empty()) {  // read before the run exists: a bad file leaves nothing behind
    nlohmann::json provenance;
    trainer.import_state(init_qtable(request.init_from, provenance));
    config_json["init_from"] = provenance;
  }
  auto run = train::RunDir::create(request.runs_dir, request.run, "qlearn-tictactoe", request.overwrite, config_json);
  QLearnOutcome out;
  out.run_dir = run.dir();
  const int64_t every =
      std::max<int64_t>(1000, config.episodes / std::max<int64_t>(1, request.evaluations) / 1000 * 1000);
  std::optional<ProgressBar> bar;
  if (!request.quiet) bar.emplace("qlearn", config.episodes);
  auto evaluate = [&](int64_t episodes) {
    TabularPlayer agent(trainer.export_learned_values());
    RandomPlayer random;
    MinimaxPlayer perfect;
    std::mt19937_64 rng(config.seed + static_cast<uint64_t>(episodes));
    out.random_x = play_match(agent, random, kX, request.eval_games, rng);
    out.random_o = play_match(agent, random, kO, request.eval_games, rng);
    out.minimax_x = play_match(agent, perfect, kX, request.eval_games, rng);
    out.minimax_o = play_match(agent, perfect, kO, request.eval_games, rng);
    run.append_metrics({{"step", episodes},
                        {"epoch", 1},
                        {"split", "valid"},
                        {"states", trainer.export_learned_values().size()},
                        {"win_x", out.random_x.pct(out.random_x.wins)},
                        {"loss_x", out.random_x.pct(out.random_x.losses)},
                        {"win_o", out.random_o.pct(out.random_o.wins)},
                        {"loss_o", out.random_o.pct(out.random_o.losses)},
                        {"minimax_loss_x", out.minimax_x.pct(out.minimax_x.losses)},
                        {"minimax_loss_o", out.minimax_o.pct(out.minimax_o.losses)}});
  };
  qlearn_train(config, trainer, [&](int64_t done) {
    if (bar) bar->update(done, {{"states", std::to_string(trainer.export_learned_values().size())}});
    if (done % every == 0 || done == config.episodes) evaluate(done);
  });
  if (bar) bar->finish({{"states", std::to_string(trainer.export_learned_values().size())}});
  out.states = trainer.export_learned_values().size();
  out.checkpoint = run.checkpoint_path(config.episodes);
  save_checkpoint(qtable_to_checkpoint(trainer.export_learned_values(), config), out.checkpoint);
  run.save_table("evaluation", {{"title", "Final evaluation, " + std::to_string(request.eval_games) + " games per row"},
                                {"columns", {"opponent", "side", "wins %", "draws %", "losses %"}},
                                {"rows",
                                 {{"random", "X", out.random_x.pct(out.random_x.wins),
                                   out.random_x.pct(out.random_x.draws), out.random_x.pct(out.random_x.losses)},
                                  {"random", "O", out.random_o.pct(out.random_o.wins),
                                   out.random_o.pct(out.random_o.draws), out.random_o.pct(out.random_o.losses)},
                                  {"minimax", "X", out.minimax_x.pct(out.minimax_x.wins),
                                   out.minimax_x.pct(out.minimax_x.draws), out.minimax_x.pct(out.minimax_x.losses)},
                                  {"minimax", "O", out.minimax_o.pct(out.minimax_o.wins),
                                   out.minimax_o.pct(out.minimax_o.draws), out.minimax_o.pct(out.minimax_o.losses)}}}});
  if (request.write_report) train::write_report(run);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

fs::path qlearn_checkpoint_of_run(const fs::path& run_dir) {
  const auto run = train::RunDir::open(run_dir);
  const auto list = run.checkpoints();
  if (list.empty())
    throw UserError(run.dir().string() + " has no Q-table checkpoint: train one with torchlab qlearn train");
  return list.back();
}

QTableTtt load_qtable(const fs::path& checkpoint) {
  return qtable_from_checkpoint(load_checkpoint(checkpoint, kQlearnKind), checkpoint.string());
}

}  // namespace torchlab::rl
