#include "torchlab/train/learner.h"

#include <chrono>
#include <cmath>
#include <deque>
#include <sstream>

#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/train/cuda_graph_step.h"
#include "torchlab/train/dashboard.h"
#include "torchlab/train/interrupt.h"
#include "torchlab/train/report.h"

namespace torchlab::train {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

bool improves(double value, double best, Mode mode, double min_delta) {
  return mode == Mode::Min ? value < best - min_delta : value > best + min_delta;
}

std::string fixed(double v, int digits = 4) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

// Sums of step losses and metrics over a window (log interval or epoch).
struct Window {
  double loss = 0;
  int64_t steps = 0;
  int64_t items = 0;
  std::map<std::string, double> metrics;
  void add(double l, const StepResult& r) {
    loss += l;
    ++steps;
    items += r.items;
    for (const auto& [k, v] : r.metrics) metrics[k] += v;
  }
  std::map<std::string, double> means() const {
    std::map<std::string, double> out;
    if (steps == 0) return out;
    out["loss"] = loss / steps;
    for (const auto& [k, v] : metrics) out[k] = v / steps;
    return out;
  }
};

}  // namespace

void clip_grad_value(const std::vector<torch::Tensor>& params, double value) {
  for (const auto& p : params)
    if (p.grad().defined()) p.grad().clamp_(-value, value);
}

double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(torch::kFloat64));
  if (norms.empty()) return 0;
  const double total = torch::stack(norms).norm(2).item<double>();
  const double scale = max_norm / (total + 1e-6);
  if (scale < 1)
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().mul_(scale);
  return total;
}

Learner::Learner(RunDir run, std::shared_ptr<torch::nn::Module> model,
                 std::shared_ptr<torch::optim::Optimizer> optimizer, LearnerOptions options)
    : run_(std::move(run)), model_(std::move(model)), optimizer_(std::move(optimizer)), options_(std::move(options)) {
  if (optimizer_)
    for (auto& group : optimizer_->param_groups()) base_lrs_.push_back(group.options().get_lr());
}

void Learner::apply_lr() {
  if (!options_.lr_schedule || !optimizer_) return;
  const double factor = options_.lr_schedule(progress_.step);
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(base_lrs_[i] * factor);
}

void Learner::optimize(const torch::Tensor& loss) {
  optimizer_->zero_grad();
  loss.backward();
  if (after_backward) after_backward();
  const auto params = model_->parameters();
  if (options_.clip_value > 0) clip_grad_value(params, options_.clip_value);
  if (options_.clip_norm > 0) clip_grad_norm(params, options_.clip_norm);
  optimizer_->step();
}

void Learner::save_checkpoint(const fs::path& path) {
  Checkpoint ckpt;
  ckpt.meta["kind"] = checkpoint_kind;
  ckpt.meta["config"] = run_.config();
  ckpt.meta["progress"] = {{"epoch", progress_.epoch},
                           {"batch_in_epoch", progress_.batch_in_epoch},
                           {"step", progress_.step},
                           {"best", progress_.best},
                           {"has_best", progress_.has_best},
                           {"es_best", progress_.es_best},
                           {"es_has_best", progress_.es_has_best},
                           {"es_bad", progress_.es_bad},
                           {"stopped_early", progress_.stopped_early}};
  ckpt.meta["seed"] = options_.seed;
  if (model_) put_module(ckpt, "model", *model_);
  if (optimizer_) put_optimizer(ckpt, "optimizer", *optimizer_);
  put_torch_rng(ckpt);
  if (save_extra) save_extra(ckpt);
  torchlab::save_checkpoint(std::move(ckpt), path);
}

void Learner::load_checkpoint(const Checkpoint& ckpt) {
  if (model_) load_module(ckpt, "model", *model_);
  if (optimizer_) load_optimizer(ckpt, "optimizer", *optimizer_);
  restore_torch_rng(ckpt);
  const std::string what = "checkpoint progress";
  const auto& p = json_object(ckpt.meta, "progress", "checkpoint metadata");
  progress_.epoch = json_field<int64_t>(p, "epoch", what);
  progress_.batch_in_epoch = json_field<int64_t>(p, "batch_in_epoch", what);
  progress_.step = json_field<int64_t>(p, "step", what);
  progress_.best = json_field<double>(p, "best", what);
  progress_.has_best = json_field<bool>(p, "has_best", what);
  progress_.es_best = json_field<double>(p, "es_best", what);
  progress_.es_has_best = json_field<bool>(p, "es_has_best", what);
  progress_.es_bad = json_field<int>(p, "es_bad", what);
  progress_.stopped_early = json_field<bool>(p, "stopped_early", what);
  if (load_extra) load_extra(ckpt);
}

bool Learner::resume() {
  auto list = run_.checkpoints();
  if (list.empty()) {
    if (chief()) run_.truncate_metrics_after(0);  // rows a killed first attempt logged before any checkpoint
    return false;
  }
  std::string failures;
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    try {
      load_checkpoint(load_checkpoint_file(*it));
      if (chief()) run_.truncate_metrics_after(progress_.step);
      if (!failures.empty()) Console::get().err("warning: resumed from the earlier checkpoint " + it->string() + "\n");
      return true;
    } catch (const UserError& e) {
      failures += std::string("\n  ") + e.what();
      Console::get().err(std::string("warning: ") + e.what() + "; trying the previous checkpoint\n");
    }
  }
  throw UserError("no loadable checkpoint in " + run_.checkpoints_dir().string() + ":" + failures);
}

Checkpoint Learner::load_checkpoint_file(const fs::path& path) const {
  return torchlab::load_checkpoint(path, checkpoint_kind);
}

void Learner::checkpoint_now(const std::map<std::string, double>* valid) {
  if (!chief()) return;
  // The best score is updated before anything is written, so that the step checkpoint carries it: a run resumed
  // from it compares later validations with this one. best.ckpt goes first; a kill between the two files leaves
  // the previous step checkpoint, whose resume reaches this validation again and rewrites the same best.ckpt.
  const auto& metric = options_.checkpoints.best_metric;
  if (valid && !metric.empty()) {
    auto it = valid->find(metric);
    if (it != valid->end() &&
        (!progress_.has_best || improves(it->second, progress_.best, options_.checkpoints.best_mode, 0))) {
      progress_.best = it->second;
      progress_.has_best = true;
      save_checkpoint(run_.checkpoints_dir() / "best.ckpt");
    }
  }
  save_checkpoint(run_.checkpoint_path(progress_.step));
  const auto list = run_.checkpoints();
  const int keep = std::max(1, options_.checkpoints.keep_last);
  for (size_t i = 0; i + keep < list.size(); ++i) fs::remove(list[i]);
}

std::map<std::string, double> Learner::evaluate(BatchSource& source) {
  if (!valid_step) throw std::logic_error("Learner::evaluate needs a valid_step");
  model_->eval();
  torch::NoGradGuard no_grad;
  source.set_epoch(1);
  double loss = 0, weight = 0;
  std::map<std::string, double> sums;
  for (int64_t i = 0; i < source.batches_per_epoch(); ++i) {
    const auto r = valid_step(source.batch(i));
    const double w = r.items > 0 ? static_cast<double>(r.items) : 1.0;
    loss += w * (r.loss.defined() ? r.loss.item<double>() : r.value);
    for (const auto& [k, v] : r.metrics) sums[k] += w * v;
    weight += w;
  }
  model_->train();
  std::map<std::string, double> out;
  if (weight == 0) return out;
  out["loss"] = loss / weight;
  for (const auto& [k, v] : sums) out[k] = v / weight;
  return out;
}

std::map<std::string, double> Learner::validate(BatchSource& valid, int64_t epoch) {
  auto metrics = evaluate(valid);
  if (reduce_metrics) reduce_metrics(metrics);
  if (chief()) {
    nlohmann::json row = {{"step", progress_.step}, {"epoch", epoch}, {"split", "valid"}};
    for (const auto& [k, v] : metrics) row[k] = v;
    run_.append_metrics(row);
  }
  const auto& es = options_.early_stopping;
  if (!es.metric.empty()) {
    auto it = metrics.find(es.metric);
    if (it != metrics.end()) {
      if (!progress_.es_has_best || improves(it->second, progress_.es_best, es.mode, es.min_delta)) {
        progress_.es_best = it->second;
        progress_.es_has_best = true;
        progress_.es_bad = 0;
      } else if (++progress_.es_bad >= es.patience) {
        progress_.stopped_early = true;
      }
    }
  }
  return metrics;
}

void Learner::fit(BatchSource& train, BatchSource* valid) {
  if (!train_step) throw std::logic_error("Learner::fit needs a train_step");
  InterruptGuard guard;
  Dashboard dashboard(options_.quiet || !chief());
  const int64_t per_epoch = train.batches_per_epoch();
  if (per_epoch <= 0) throw UserError("the training data gives no batch: it is too small for one batch");
  model_->train();

  DashboardState view;
  view.run = run_.name();
  view.device = options_.device;
  view.unit = options_.unit;
  view.epochs = options_.epochs;
  view.steps_per_epoch = per_epoch;
  view.max_steps = options_.max_steps;
  view.first_step = progress_.step;  // throughput and ETA count this process's steps only
  std::deque<double> history;
  std::map<std::string, double> last_valid;
  const auto start = Clock::now();
  auto last_view = start - std::chrono::seconds(1);
  int64_t items_total = 0;
  auto refresh = [&](int64_t epoch, int64_t step_in_epoch, double loss, const Window& epoch_window) {
    view.epoch = epoch;
    view.step_in_epoch = step_in_epoch;
    view.global_step = progress_.step;
    view.loss = loss;
    view.mean_loss = epoch_window.loss / std::max<int64_t>(1, epoch_window.steps);
    view.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    view.items_per_s = view.elapsed_s > 0 ? items_total / view.elapsed_s * options_.world_size : 0;
    view.loss_history.assign(history.begin(), history.end());
    view.metrics = epoch_window.means();
    view.metrics.erase("loss");
    view.last_valid = last_valid;
    dashboard.update(view);
  };
  bool done = progress_.stopped_early;
  std::unique_ptr<CudaGraphStep> graphed;
  bool graph_noted = false;
  if (options_.cuda_graph && optimizer_ && !after_backward) {
    const auto params = model_->parameters();
    const auto why_not = CudaGraphStep::unsupported(params, *optimizer_);
    if (why_not.empty()) {
      CudaGraphStepOptions o;
      o.clip_value = options_.clip_value;
      o.clip_norm = options_.clip_norm;
      graphed = std::make_unique<CudaGraphStep>(params, *optimizer_, o, train_step,
                                                [this](const torch::Tensor& loss) { optimize(loss); });
    } else if (!params.empty() && params.front().is_cuda() && chief()) {
      dashboard.message("note: no CUDA graph: " + why_not + "; steps stay eager");
    }
  }

  while (!done && progress_.epoch <= options_.epochs) {
    const int64_t epoch = progress_.epoch;
    train.set_epoch(epoch);
    Window log_window, epoch_window;
    auto log_start = Clock::now();
    for (int64_t i = progress_.batch_in_epoch; i < per_epoch; ++i) {
      if (options_.max_steps > 0 && progress_.step >= options_.max_steps) {
        done = true;
        break;
      }
      apply_lr();
      StepResult r;
      if (graphed) {
        r = graphed->step(train.batch(i));
      } else {
        r = train_step(train.batch(i));
        if (r.loss.defined()) optimize(r.loss);
      }
      const double loss_value = r.loss.defined() ? r.loss.item<double>() : r.value;
      if (graphed && !graph_noted && !graphed->failure().empty()) {
        graph_noted = true;
        if (chief())
          dashboard.message("note: CUDA graph capture failed (" + graphed->failure() + "); steps stay eager");
      }
      ++progress_.step;
      progress_.batch_in_epoch = i + 1;
      log_window.add(loss_value, r);
      epoch_window.add(loss_value, r);
      items_total += r.items;
      history.push_back(loss_value);
      if (history.size() > 200) history.pop_front();

      if (options_.log_every_steps > 0 && progress_.step % options_.log_every_steps == 0) {
        auto means = log_window.means();
        const double secs = std::chrono::duration<double>(Clock::now() - log_start).count();
        if (reduce_metrics) reduce_metrics(means);
        if (chief()) {
          nlohmann::json row = {{"step", progress_.step}, {"epoch", epoch}, {"split", "train"}};
          for (const auto& [k, v] : means) row[k] = v;
          if (secs > 0) row["items_per_s"] = log_window.items / secs * options_.world_size;
          if (optimizer_ && !optimizer_->param_groups().empty())
            row["lr"] = optimizer_->param_groups()[0].options().get_lr();
          run_.append_metrics(row);
        }
        log_window = Window{};
        log_start = Clock::now();
      }
      if (valid && options_.validate_every_steps > 0 && progress_.step % options_.validate_every_steps == 0)
        last_valid = validate(*valid, epoch);
      const bool stop_now = interrupt_requested();
      if ((options_.checkpoints.every_steps > 0 && progress_.step % options_.checkpoints.every_steps == 0) || stop_now)
        checkpoint_now(last_valid.empty() ? nullptr : &last_valid);
      if (stop_now) {
        dashboard.finish();
        throw Interrupted("interrupted at step " + std::to_string(progress_.step) + "; checkpoint written to " +
                          run_.checkpoint_path(progress_.step).string() +
                          (options_.resume_hint.empty() ? "" : "\nresume with: " + options_.resume_hint));
      }
      if (progress_.stopped_early) {
        done = true;
        break;
      }
      const auto now = Clock::now();
      if (now - last_view >= std::chrono::milliseconds(100)) {
        last_view = now;
        refresh(epoch, i + 1, loss_value, epoch_window);
      }
    }
    if (progress_.batch_in_epoch < per_epoch) break;  // max_steps or early stopping mid-epoch

    // End of the epoch.
    if (valid && options_.validate_every_steps == 0) last_valid = validate(*valid, epoch);
    EpochEnd end{epoch, progress_.step, epoch_window.loss / std::max<int64_t>(1, epoch_window.steps), last_valid};
    if (options_.epoch_line) {
      std::string line = "Epoch: " + std::to_string(epoch) + ", loss: " + fixed(end.train_loss, 3);
      for (const auto& [k, v] : last_valid) line += ", val " + k + ": " + fixed(v, 4);
      dashboard.message(line);
    }
    if (on_epoch_end) on_epoch_end(end);
    ++progress_.epoch;
    progress_.batch_in_epoch = 0;
    if (options_.checkpoints.every_epoch || progress_.epoch > options_.epochs || progress_.stopped_early)
      checkpoint_now(last_valid.empty() ? nullptr : &last_valid);
    if (progress_.stopped_early) {
      dashboard.message("early stopping: " + options_.early_stopping.metric + " did not improve for " +
                        std::to_string(options_.early_stopping.patience) + " validations");
      done = true;
    }
  }
  // A run that ended mid-epoch (max_steps) still leaves a checkpoint of where it stopped.
  if (chief() && (run_.checkpoints().empty() || run_.checkpoints().back() != run_.checkpoint_path(progress_.step)))
    checkpoint_now(last_valid.empty() ? nullptr : &last_valid);
  view.last_valid = last_valid;
  view.global_step = progress_.step;
  dashboard.update(view);  // the final counters, whatever the rate limit skipped
  dashboard.finish();
  if (chief() && options_.write_report) write_report(run_);
}

}  // namespace torchlab::train
