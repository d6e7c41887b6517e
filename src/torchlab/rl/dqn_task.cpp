#include "torchlab/rl/dqn_task.h"

#include <chrono>
#include <cmath>
#include <deque>
#include <optional>
#include <sstream>

#include "torchlab/core/console.h"
#include "torchlab/core/device.h"
#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/rl/exact_eval.h"
#include "torchlab/rl/export.h"
#include "torchlab/train/learner.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::rl {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// The Learner's batches are episodes: the trainer plays (and learns) inside the step, so a batch carries nothing.
class EpisodeSource : public train::BatchSource {
 public:
  explicit EpisodeSource(int64_t n) : n_(n) {}
  int64_t batches_per_epoch() const override { return n_; }
  void set_epoch(int64_t) override {}
  train::Batch batch(int64_t) override { return {}; }

 private:
  int64_t n_;
};

// Episodes per second over the last 200 episodes.
class RateMeter {
 public:
  double tick() {
    times_.push_back(Clock::now());
    if (times_.size() > 200) times_.pop_front();
    if (times_.size() < 2) return 0;
    const double secs = std::chrono::duration<double>(times_.back() - times_.front()).count();
    return secs > 0 ? static_cast<double>(times_.size() - 1) / secs : 0;
  }

 private:
  std::deque<Clock::time_point> times_;
};

// Validation = evaluation of the greedy policy, exact for tic-tac-toe (every game against a uniformly random opponent
// enumerated, and every position the agent can reach checked against minimax), over eval_episodes seeded episodes
// for CartPole. Metrics in percent; `value` (the Learner's valid "loss") is the chance of losing a game against random
// (tic-tac-toe) or the share of the 500 steps missed (CartPole): lower is better in both.
std::map<std::string, double> evaluation(DqnAgent& agent, uint64_t seed, double& value) {
  const auto& c = agent.config();
  std::map<std::string, double> m;
  if (c.env == "cartpole") {
    const auto e = evaluate_cartpole(agent, static_cast<int>(c.eval_episodes), seed);
    m["return"] = e.mean;
    m["return_min"] = e.min;
    value = 1 - e.mean / 500.0;
    return m;
  }
  DqnPlayer me(agent);
  const Odds x = exact_vs_random(me, kX), o = exact_vs_random(me, kO);
  m["win_x"] = 100 * x.win;
  m["draw_x"] = 100 * x.draw;
  m["loss_x"] = 100 * x.loss;
  m["win_o"] = 100 * o.win;
  m["draw_o"] = 100 * o.draw;
  m["loss_o"] = 100 * o.loss;
  m["imperfect_x"] = static_cast<double>(imperfect_moves(me, kX));
  m["imperfect_o"] = static_cast<double>(imperfect_moves(me, kO));
  value = (x.loss + o.loss) / 2;
  return m;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

std::string epoch_summary(const DqnConfig& c, int64_t epoch, const std::map<std::string, double>& v) {
  auto get = [&](const char* k) {
    auto it = v.find(k);
    return it == v.end() ? 0.0 : it->second;
  };
  std::string line = "epoch " + std::to_string(epoch) + "/" + std::to_string(c.epochs) + ": ";
  if (c.env == "cartpole")
    return line + "greedy return " + fixed(get("return"), 1) + " (min " + fixed(get("return_min"), 0) + ") over " +
           std::to_string(c.eval_episodes) + " episodes";
  return line + "exact vs random: X " + fixed(get("win_x"), 2) + "% wins " + fixed(get("loss_x"), 2) + "% losses, O " +
         fixed(get("win_o"), 2) + "% wins " + fixed(get("loss_o"), 2) + "% losses; imperfect moves X " +
         fixed(get("imperfect_x"), 0) + " O " + fixed(get("imperfect_o"), 0) + " (0 = never loses)";
}

// One greedy self-play game, for the report.
std::string sample_game(DqnAgent& agent) {
  DqnPlayer me(agent);
  std::mt19937_64 rng(0);
  std::string text = "Greedy self-play (X and O are the same network):\n\n";
  const auto w = play_game(me, me, rng, [&](const Board& b, int cell) {
    text += std::string(1, side_char(static_cast<int8_t>(-b.to_move))) + " plays " + std::to_string(cell + 1) + "\n" +
            b.render() + "\n";
  });
  text += !w || *w == 0 ? "Draw.\n" : std::string(1, side_char(*w)) + " wins.\n";
  return text;
}

}  // namespace

DqnTrainOutcome train_dqn(const DqnTrainRequest& request) {
  const auto start = Clock::now();
  auto print = request.print ? request.print : [](const std::string& s) { Console::get().out(s); };
  DqnConfig config = request.config;
  std::optional<train::RunDir> run;
  if (!request.resume.empty()) {
    run = train::RunDir::open_to_write(request.resume);
    const auto saved = run->config();
    if (!saved.is_object() || saved.value("task", std::string("dqn")) != "dqn")
      throw UserError(run->dir().string() + " is not a dqn run (its config.json has task " +
                      (saved.is_object() ? saved.value("task", nlohmann::json()).dump() : std::string("?")) + ")");
    config = DqnConfig::from_json(saved);
    train::check_same_config(saved, request.config.to_json(), request.given, run->dir());
    if (request.epochs > 0 && request.epochs != config.epochs) {
      config.epochs = request.epochs;
      run->write_config(config.to_json());
    }
  } else {
    config.validate();
    check_memory_fits("this DQN (replay " + std::to_string(config.replay_capacity) + " transitions)",
                      config.training_memory(), "make --replay, --hidden or --batch smaller");
  }
  config.validate();
  seed_everything(config.seed);  // the run is its config: a program that drew random numbers before gets the same run

  DqnAgent agent(config, request.device);
  if (!request.init_from.empty()) {
    if (run) throw UserError("--init-from starts a new run from weights; a resumed run continues from its checkpoint");
    config.init_from = init_dqn(agent, request.init_from);
  }
  if (!run)
    run =
        train::RunDir::create(request.runs_dir, request.run, "dqn-" + config.env, request.overwrite, config.to_json());
  auto trainer = make_trainer(agent, config.seed);
  const bool ttt = config.env == "tictactoe";

  train::LearnerOptions o;
  o.epochs = config.epochs;
  o.max_steps = request.max_steps;
  o.log_every_steps = request.log_every_steps;
  o.seed = config.seed;
  o.unit = ttt ? "moves" : "steps";
  o.device = request.device.str();
  o.quiet = request.quiet;
  o.write_report = request.write_report;
  o.resume_hint = "torchlab dqn train --resume " + run->dir().string();
  o.checkpoints.every_epoch = true;
  o.checkpoints.keep_last = 2;
  if (!ttt) {  // DQN on CartPole can forget: keep the best greedy policy apart
    o.checkpoints.best_metric = "return";
    o.checkpoints.best_mode = train::Mode::Max;
  }
  train::Learner learner(*run, agent.online().ptr(), agent.optimizer(), o);
  learner.checkpoint_kind = kDqnKind;

  RateMeter rate;
  double last_loss = 0;
  learner.train_step = [&](const train::Batch&) {
    const EpisodeStats s = trainer->play_episode();
    if (!std::isnan(s.loss)) last_loss = s.loss;
    train::StepResult r;
    r.value = last_loss;  // manual optimization: the trainer made its own updates
    r.items = s.steps;
    r.metrics["epsilon"] = s.epsilon;
    r.metrics[ttt ? "games_per_s" : "episodes_per_s"] = rate.tick();
    if (ttt) {
      r.metrics["x_won"] = s.episode_return > 0 ? 100 : 0;
      r.metrics["o_won"] = s.episode_return < 0 ? 100 : 0;
      r.metrics["drawn"] = s.episode_return == 0 ? 100 : 0;
    } else {
      r.metrics["return"] = s.episode_return;
    }
    return r;
  };
  std::map<std::string, double> last_eval;
  learner.valid_step = [&](const train::Batch&) {
    train::StepResult r;
    r.metrics =
        evaluation(agent, cartpole_eval_seed(EvalPurpose::validation, config.seed, learner.progress().epoch), r.value);
    last_eval = r.metrics;
    return r;
  };
  learner.on_epoch_end = [&](const train::EpochEnd& e) {
    print(epoch_summary(config, e.epoch, e.valid) + "\n");
    nlohmann::json table = {{"title", "Evaluation after epoch " + std::to_string(e.epoch)},
                            {"columns", {"metric", "value"}},
                            {"rows", nlohmann::json::array()}};
    for (const auto& [k, v] : e.valid) table["rows"].push_back({k, v});
    learner.run().save_table("evaluation", table);
    if (ttt) learner.run().save_text("sample-game", sample_game(agent));
  };
  learner.save_extra = [&](Checkpoint& ckpt) {
    agent.put_extra(ckpt);
    trainer->put_state(ckpt);
    ckpt.meta["dqn"]["last_loss"] = last_loss;
  };
  learner.load_extra = [&](const Checkpoint& ckpt) {
    dqn_config_of(ckpt, "the run's checkpoint", config.env);
    agent.load_extra(ckpt);
    agent.rebind();  // the Learner replaced the optimizer's state tensors
    trainer->load_state(ckpt);
    last_loss =
        json_field_or<double>(json_object(ckpt.meta, "dqn", "checkpoint metadata"), "last_loss", 0.0, "dqn metadata");
  };
  if (!request.resume.empty() && !learner.resume())
    print("note: " + run->dir().string() + " has no checkpoint yet; starting it from the beginning\n");

  EpisodeSource episodes(config.episodes_per_epoch);
  EpisodeSource one(1);
  learner.fit(episodes, &one);

  DqnTrainOutcome out;
  out.run_dir = run->dir();
  out.config = config;
  out.episodes = trainer->episodes();
  out.steps = trainer->steps();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.last_eval = last_eval;
  return out;
}

fs::path dqn_checkpoint_of_run(const fs::path& run_dir) {
  const auto run = train::RunDir::open(run_dir);
  const fs::path best = run.checkpoints_dir() / "best.ckpt";
  if (fs::exists(best)) return best;
  const auto list = run.checkpoints();
  if (list.empty())
    throw UserError(run.dir().string() + " has no checkpoint yet: train it first (torchlab dqn train --resume " +
                    run.dir().string() + ")");
  return list.back();
}

LoadedDqn load_dqn(const fs::path& checkpoint, const torch::Device& device, const std::string& env) {
  const Checkpoint ckpt = load_checkpoint(checkpoint, kDqnKind);
  const DqnConfig config = dqn_config_of(ckpt, checkpoint.string(), env);
  LoadedDqn out;
  out.checkpoint = checkpoint;
  out.agent = std::make_unique<DqnAgent>(config, device);
  load_agent(*out.agent, ckpt, /*with_optimizer=*/false);
  if (ckpt.meta.contains("trainer")) out.episodes = ckpt.meta["trainer"].value("episodes", int64_t{0});
  return out;
}

std::string format_eval(const TicTacToeEval& eval, const std::string& sides) {
  std::string out;
  if (sides != "O") out += "  as X: " + eval.as_x.summary() + "\n";
  if (sides != "X") out += "  as O: " + eval.as_o.summary() + "\n";
  return out;
}

}  // namespace torchlab::rl
