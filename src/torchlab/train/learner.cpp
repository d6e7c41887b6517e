#include "torchlab/train/learner.h"

#include <chrono>
#include <cmath>

#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/train/cuda_graph_step.h"
#include "torchlab/train/dashboard_view.h"
#include "torchlab/train/interrupt.h"
#include "torchlab/train/metrics_log.h"
#include "torchlab/train/report.h"

namespace torchlab::train {
namespace fs = std::filesystem;

// Hands every event to the fit's observers, in order.
class Learner::Events {
 public:
  explicit Events(std::vector<std::shared_ptr<Observer>> list) : list_(std::move(list)) {}
  template <class Method, class Event>
  void emit(Method method, const Event& event) {
    for (auto& o : list_) (o.get()->*method)(event);
  }

 private:
  std::vector<std::shared_ptr<Observer>> list_;
};

namespace {

using Clock = std::chrono::steady_clock;

// The task's epoch-end hook as an observer.
class EpochCallback : public Observer {
 public:
  explicit EpochCallback(std::function<void(const EpochEnd&)> f) : f_(std::move(f)) {}
  void on_epoch_end(const EpochEnd& e) override { f_(e); }

 private:
  std::function<void(const EpochEnd&)> f_;
};

}  // namespace

Learner::Learner(RunDir run, std::shared_ptr<torch::nn::Module> model,
                 std::shared_ptr<torch::optim::Optimizer> optimizer, LearnerOptions options)
    : Learner(std::move(model), std::move(optimizer), std::move(options)) {
  run_.emplace(std::move(run));
}

Learner::Learner(std::shared_ptr<torch::nn::Module> model, std::shared_ptr<torch::optim::Optimizer> optimizer,
                 LearnerOptions options)
    : model_(std::move(model)), optimizer_(std::move(optimizer)), options_(std::move(options)) {
  if (optimizer_)
    for (auto& group : optimizer_->param_groups()) base_lrs_.push_back(group.options().get_lr());
}

RunDir& Learner::run() {
  if (!run_) throw std::logic_error("this Learner works in memory: it has no run directory");
  return *run_;
}

void Learner::apply_lr() {
  if (!options_.lr_schedule || !optimizer_) return;
  const double factor = options_.lr_schedule(progress_.step);
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(base_lrs_[i] * factor);
}

void Learner::save_checkpoint(const fs::path& path) {
  Checkpoint ckpt;
  ckpt.meta["kind"] = checkpoint_kind;
  ckpt.meta["config"] = run_ ? run_->config() : nlohmann::json::object();
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
  const auto list = run().checkpoints();
  if (list.empty()) {
    if (chief()) run_->truncate_metrics_after(0);  // rows a killed first attempt logged before any checkpoint
    return false;
  }
  std::string failures;
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    try {
      load_checkpoint(load_checkpoint_file(*it));
      if (chief()) run_->truncate_metrics_after(progress_.step);
      if (!failures.empty()) Console::get().err("warning: resumed from the earlier checkpoint " + it->string() + "\n");
      return true;
    } catch (const UserError& e) {
      failures += std::string("\n  ") + e.what();
      Console::get().err(std::string("warning: ") + e.what() + "; trying the previous checkpoint\n");
    }
  }
  throw UserError("no loadable checkpoint in " + run_->checkpoints_dir().string() + ":" + failures);
}

Checkpoint Learner::load_checkpoint_file(const fs::path& path) const {
  return torchlab::load_checkpoint(path, checkpoint_kind);
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

std::vector<std::shared_ptr<Observer>> Learner::observers_for_fit() {
  const bool writes = run_ && chief();
  DashboardViewOptions view;
  view.run = run_ ? run_->name() : "";
  view.device = options_.device;
  view.unit = options_.unit;
  view.epochs = options_.epochs;
  view.max_steps = options_.max_steps;
  view.world_size = options_.world_size;
  view.epoch_line = options_.epoch_line;
  view.quiet = options_.quiet || !chief();
  std::vector<std::shared_ptr<Observer>> list;
  list.push_back(std::make_shared<DashboardView>(view));
  if (writes) list.push_back(std::make_shared<MetricsLog>(*run_));
  list.push_back(std::make_shared<EarlyStopper>(options_.early_stopping, progress_));
  if (on_epoch_end) list.push_back(std::make_shared<EpochCallback>(on_epoch_end));
  list.insert(list.end(), observers_.begin(), observers_.end());
  if (writes) {
    list.push_back(std::make_shared<Checkpointer>(*run_, options_.checkpoints, progress_, options_.epochs,
                                                  [this](const fs::path& path) { save_checkpoint(path); }));
    if (options_.write_report) list.push_back(std::make_shared<ReportWriter>(*run_));
  }
  return list;
}

std::unique_ptr<StepStrategy> Learner::step_strategy(Events& events) {
  auto update = [this](const torch::Tensor& loss) {
    if (!optimizer_) throw std::logic_error("the train step returned a loss, but the Learner has no optimizer");
    optimize(model_->parameters(), *optimizer_, loss, Clip{options_.clip_value, options_.clip_norm}, after_backward);
  };
  if (options_.cuda_graph && optimizer_ && !after_backward) {
    const auto params = model_->parameters();
    const auto why_not = CudaGraphStep::unsupported(params, *optimizer_);
    if (why_not.empty()) {
      CudaGraphStepOptions o;
      o.clip_value = options_.clip_value;
      o.clip_norm = options_.clip_norm;
      return std::make_unique<CudaGraphStep>(params, *optimizer_, o, train_step, update);
    }
    if (!params.empty() && params.front().is_cuda())
      events.emit(&Observer::on_message, "note: no CUDA graph: " + why_not + "; steps stay eager");
  }
  return std::make_unique<EagerStep>(train_step, update);
}

void Learner::log(Events& events, int64_t epoch, const MetricWindow& window, double seconds) {
  auto means = window.means();
  if (reduce_metrics) reduce_metrics(means);
  std::optional<double> rate, lr;
  if (seconds > 0) rate = window.items / seconds * options_.world_size;
  if (optimizer_ && !optimizer_->param_groups().empty()) lr = optimizer_->param_groups()[0].options().get_lr();
  events.emit(&Observer::on_log, LogEvent{epoch, progress_.step, means, rate, lr});
}

void Learner::validate(Events& events, BatchSource& valid, int64_t epoch) {
  last_valid_ = evaluate(valid);
  if (reduce_metrics) reduce_metrics(last_valid_);
  events.emit(&Observer::on_validation, ValidationEvent{epoch, progress_.step, last_valid_});
}

void Learner::fit(BatchSource& train, BatchSource* valid) {
  if (!train_step) throw std::logic_error("Learner::fit needs a train_step");
  const int64_t per_epoch = train.batches_per_epoch();
  if (per_epoch <= 0) throw UserError("the training data gives no batch: it is too small for one batch");
  InterruptGuard guard;
  Events events(observers_for_fit());
  const auto stepper = step_strategy(events);
  model_->train();
  last_valid_.clear();
  events.emit(&Observer::on_fit_start, FitStart{per_epoch, progress_.step});

  bool done = progress_.stopped_early;
  while (!done && progress_.epoch <= options_.epochs) {
    const int64_t epoch = progress_.epoch;
    train.set_epoch(epoch);
    MetricWindow log_window, epoch_window;
    auto log_start = Clock::now();
    for (int64_t i = progress_.batch_in_epoch; i < per_epoch; ++i) {
      if (options_.max_steps > 0 && progress_.step >= options_.max_steps) break;
      apply_lr();
      const StepResult r = stepper->step(train.batch(i));
      const double loss = r.loss_value();
      if (const auto note = stepper->take_note(); !note.empty()) events.emit(&Observer::on_message, note);
      ++progress_.step;
      progress_.batch_in_epoch = i + 1;
      log_window.add(loss, r.items, r.metrics);
      epoch_window.add(loss, r.items, r.metrics);
      if (options_.log_every_steps > 0 && progress_.step % options_.log_every_steps == 0) {
        log(events, epoch, log_window, std::chrono::duration<double>(Clock::now() - log_start).count());
        log_window = MetricWindow{};
        log_start = Clock::now();
      }
      if (valid && options_.validate_every_steps > 0 && progress_.step % options_.validate_every_steps == 0)
        validate(events, *valid, epoch);
      events.emit(&Observer::on_step, StepEvent{epoch, i + 1, progress_.step, loss, r.items, epoch_window});
      if (interrupt_requested()) {
        events.emit(&Observer::on_interrupt, InterruptEvent{progress_.step});
        throw Interrupted("interrupted at step " + std::to_string(progress_.step) +
                          (run_ ? "; checkpoint written to " + run_->checkpoint_path(progress_.step).string() : "") +
                          (options_.resume_hint.empty() ? "" : "\nresume with: " + options_.resume_hint));
      }
      if (progress_.stopped_early) break;
    }
    if (progress_.batch_in_epoch < per_epoch) break;  // max_steps or early stopping mid-epoch

    if (valid && options_.validate_every_steps == 0) validate(events, *valid, epoch);
    ++progress_.epoch;
    progress_.batch_in_epoch = 0;
    events.emit(&Observer::on_epoch_end, EpochEnd{epoch, progress_.step, epoch_window.mean_loss(), last_valid_});
    if (progress_.stopped_early) {
      events.emit(&Observer::on_message, "early stopping: " + options_.early_stopping.metric + " did not improve for " +
                                             std::to_string(options_.early_stopping.patience) + " validations");
      done = true;
    }
  }
  events.emit(&Observer::on_finish, FinishEvent{progress_.step, last_valid_});
}

}  // namespace torchlab::train
