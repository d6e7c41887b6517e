#pragma once
// The one training loop. It trains and validates; everything else plugs in as an observer (observer.h): the
// metrics log, the checkpointer, the dashboard, early stopping and the report, which the Learner adds itself, and any
// the user adds. Its pieces stay usable on their own in the low-level style: optimize() (optimize.h), the step
// strategies (step.h, cuda_graph_step.h), the checkpoint file (core/checkpoint.h).
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchlab/core/checkpoint.h"
#include "torchlab/train/checkpointer.h"
#include "torchlab/train/early_stopper.h"
#include "torchlab/train/observer.h"
#include "torchlab/train/optimize.h"
#include "torchlab/train/progress.h"
#include "torchlab/train/run_dir.h"
#include "torchlab/train/step.h"

namespace torchlab::train {

struct LearnerOptions {
  int64_t epochs = 1;
  int64_t max_steps = 0;  // 0 = no limit (stops mid-epoch when reached)
  double clip_value = 0;  // clamp every gradient element to [-v, v] (tch-rs backward_step_clip); 0 = off
  double clip_norm = 0;   // scale gradients to global L2 norm <= v; 0 = off
  std::function<double(int64_t step)> lr_schedule;  // multiplier of each group's base lr at a step; empty = constant
  int64_t validate_every_steps = 0;                 // 0 = after each epoch
  int64_t log_every_steps = 20;                     // train rows in metrics.jsonl
  EarlyStopping early_stopping;
  CheckpointPolicy checkpoints;  // with a run directory
  uint64_t seed = 42;            // the Learner's data-order seed (with torch's RNG it is saved in every checkpoint)
  std::string unit = "items";    // throughput unit on the dashboard
  std::string device = "cpu";    // shown on the dashboard
  std::string resume_hint;       // how to resume, printed after Ctrl-C (the CLI puts its command here)
  bool quiet = false;            // no dashboard (tests, workers other than rank 0)
  int rank = 0;                  // data-parallel rank: only rank 0 logs, saves and writes the report
  int world_size = 1;
  bool write_report = true;  // report.html at the end of fit (with a run directory)
  bool epoch_line = true;    // "Epoch: N, loss: X, val ...: Y" per epoch; off for a task that prints its own
  // Replay the train step as one CUDA graph (cuda_graph_step.h) when the model is on CUDA with Adam and no
  // after_backward hook; otherwise, or if capture fails (a note says why), steps stay eager.
  bool cuda_graph = false;
};

class Learner {
 public:
  // A Learner writing a run directory: metrics.jsonl, checkpoints (resume), report.html.
  Learner(RunDir run, std::shared_ptr<torch::nn::Module> model, std::shared_ptr<torch::optim::Optimizer> optimizer,
          LearnerOptions options);
  // A Learner in memory: the same loop, dashboard and early stopping, and nothing on disk.
  Learner(std::shared_ptr<torch::nn::Module> model, std::shared_ptr<torch::optim::Optimizer> optimizer,
          LearnerOptions options);

  // Task hooks. train_step is required; the rest are optional.
  StepFn train_step;
  StepFn valid_step;                     // run in eval mode under NoGradGuard
  std::function<void()> after_backward;  // data-parallel gradient all-reduce lives here
  // Reduces metrics across ranks before they are reported (data-parallel); identity by default.
  std::function<void(std::map<std::string, double>&)> reduce_metrics;
  std::function<void(const EpochEnd&)> on_epoch_end;  // e.g. sample text into the run directory (rank 0)
  std::function<void(Checkpoint&)> save_extra;        // task state: meta (vocabulary, labels), extra tensors
  std::function<void(const Checkpoint&)> load_extra;
  std::string checkpoint_kind = "model";  // Checkpoint meta "kind"

  // Called after the Learner's own observers have seen an event, and before the checkpointer: a checkpoint written
  // at an epoch's end holds what this observer did then.
  void add_observer(std::shared_ptr<Observer> observer) { observers_.push_back(std::move(observer)); }

  // Loads the newest loadable checkpoint of the run (a corrupt newest one falls back to the one before, with a
  // warning). Returns false when the run has none. Call before fit() to continue a run exactly.
  bool resume();
  // Trains until the epochs/max_steps are done, early stopping triggers, or SIGINT/SIGTERM (then a checkpoint is
  // written and Interrupted is thrown). With a run directory, rank 0 writes metrics, checkpoints and the report.
  void fit(BatchSource& train, BatchSource* valid = nullptr);
  // Mean of valid_step's loss and metrics over the source ("loss" + metric names).
  std::map<std::string, double> evaluate(BatchSource& source);

  void save_checkpoint(const std::filesystem::path& path);
  void load_checkpoint(const Checkpoint& ckpt);
  Checkpoint load_checkpoint_file(const std::filesystem::path& path) const;  // checks the kind

  const Progress& progress() const { return progress_; }
  bool has_run() const { return run_.has_value(); }
  RunDir& run();  // std::logic_error for a Learner in memory
  const LearnerOptions& options() const { return options_; }
  std::vector<torch::Tensor> parameters() const { return model_->parameters(); }
  // Rank 0, or a single process: the one that writes the run (checkpoints, logs, samples, the report).
  bool chief() const { return options_.rank == 0; }

 private:
  class Events;
  std::vector<std::shared_ptr<Observer>> observers_for_fit();
  std::unique_ptr<StepStrategy> step_strategy(Events& events);
  void apply_lr();
  void log(Events& events, int64_t epoch, const MetricWindow& window, double seconds);
  void validate(Events& events, BatchSource& valid, int64_t epoch);

  std::optional<RunDir> run_;
  std::shared_ptr<torch::nn::Module> model_;
  std::shared_ptr<torch::optim::Optimizer> optimizer_;
  LearnerOptions options_;
  Progress progress_;
  std::vector<double> base_lrs_;
  std::vector<std::shared_ptr<Observer>> observers_;
  std::map<std::string, double> last_valid_;
};

}  // namespace torchlab::train
