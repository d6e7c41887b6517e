#pragma once
// The one training loop. Built from public pieces (forward/loss via the step function, backward, clipping, the
// after-backward hook, optimizer step, zero grads), which stay usable on their own in the low-level style.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "torchlab/core/checkpoint.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::train {

using Batch = std::vector<torch::Tensor>;

// A resumable, shardable source of batches. The order within an epoch is a pure function of (seed, epoch), so a run
// restarts mid-epoch by asking for batch i of epoch e, and each data-parallel rank takes a disjoint share.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t batches_per_epoch() const = 0;
  virtual void set_epoch(int64_t epoch) = 0;  // 1-based; reshuffles deterministically
  virtual Batch batch(int64_t index) = 0;     // 0 <= index < batches_per_epoch()
};

struct StepResult {
  // Scalar loss. The Learner runs backward, clipping, the after-backward hook and the optimizer step on it. Leave it
  // undefined when the step optimized by itself (manual optimization, e.g. a fused DQN update) and report `value`.
  torch::Tensor loss;
  double value = 0;                       // the loss as a number when `loss` is undefined
  std::map<std::string, double> metrics;  // averaged over log windows / validation
  int64_t items = 0;                      // what throughput counts (characters, images, moves)
};

enum class Mode { Min, Max };

struct CheckpointPolicy {
  int64_t every_steps = 0;  // 0 = off
  bool every_epoch = true;
  int keep_last = 3;        // older step checkpoints are deleted (the best one is kept apart)
  std::string best_metric;  // a validation metric, e.g. "loss" or "accuracy"; empty = no best checkpoint
  Mode best_mode = Mode::Min;
};

struct EarlyStopping {
  std::string metric;  // empty = off; a validation metric name ("loss", "accuracy", ...)
  Mode mode = Mode::Min;
  int patience = 3;  // validations without improvement before stopping
  double min_delta = 0;
};

struct LearnerOptions {
  int64_t epochs = 1;
  int64_t max_steps = 0;  // 0 = no limit (stops mid-epoch when reached)
  double clip_value = 0;  // clamp every gradient element to [-v, v] (tch-rs backward_step_clip); 0 = off
  double clip_norm = 0;   // scale gradients to global L2 norm <= v; 0 = off
  std::function<double(int64_t step)> lr_schedule;  // multiplier of each group's base lr at a step; empty = constant
  int64_t validate_every_steps = 0;                 // 0 = after each epoch
  int64_t log_every_steps = 20;                     // train rows in metrics.jsonl
  EarlyStopping early_stopping;
  CheckpointPolicy checkpoints;
  uint64_t seed = 42;          // the Learner's data-order seed (with torch's RNG it is saved in every checkpoint)
  std::string unit = "items";  // throughput unit on the dashboard
  std::string device = "cpu";  // shown on the dashboard
  std::string resume_hint;     // command printed after Ctrl-C, e.g. "torchlab char-rnn train --resume runs/x"
  bool quiet = false;          // no dashboard (tests, workers other than rank 0)
  int rank = 0;                // data-parallel rank: only rank 0 logs, saves and writes the report
  int world_size = 1;
  bool write_report = true;  // report.html at the end of fit
  bool epoch_line = true;    // "Epoch: N, loss: X, val ...: Y" per epoch; off for a task that prints its own
  // Replay the train step as one CUDA graph (cuda_graph_step.h) when the model is on CUDA with Adam and no
  // after_backward hook; otherwise, or if capture fails (a note says why), steps stay eager.
  bool cuda_graph = false;
};

struct EpochEnd {
  int64_t epoch;
  int64_t step;
  double train_loss;                    // mean over the epoch
  std::map<std::string, double> valid;  // validation metrics ("loss", "accuracy", ...), empty without validation
};

// Counters saved in every checkpoint.
struct Progress {
  int64_t epoch = 1;           // current epoch, 1-based
  int64_t batch_in_epoch = 0;  // batches of this epoch already done
  int64_t step = 0;            // optimizer steps done
  double best = 0;             // best value of checkpoints.best_metric so far
  bool has_best = false;
  double es_best = 0;  // early-stopping state
  bool es_has_best = false;
  int es_bad = 0;
  bool stopped_early = false;
};

class Learner {
 public:
  Learner(RunDir run, std::shared_ptr<torch::nn::Module> model, std::shared_ptr<torch::optim::Optimizer> optimizer,
          LearnerOptions options);

  // Task hooks. train_step is required; the rest are optional.
  std::function<StepResult(const Batch&)> train_step;
  std::function<StepResult(const Batch&)> valid_step;  // run in eval mode under NoGradGuard
  std::function<void()> after_backward;                // data-parallel gradient all-reduce lives here
  // Reduces metrics across ranks before logging (data-parallel); identity by default.
  std::function<void(std::map<std::string, double>&)> reduce_metrics;
  std::function<void(const EpochEnd&)> on_epoch_end;  // e.g. sample text into the run directory (rank 0)
  std::function<void(Checkpoint&)> save_extra;        // task state: meta (vocabulary, labels), extra tensors
  std::function<void(const Checkpoint&)> load_extra;
  std::string checkpoint_kind = "model";  // Checkpoint meta "kind"

  // Loads the newest loadable checkpoint of the run (a corrupt newest one falls back to the one before, with a
  // warning). Returns false when the run has none. Call before fit() to continue a run exactly.
  bool resume();
  // Trains until the epochs/max_steps are done, early stopping triggers, or SIGINT/SIGTERM (then a checkpoint is
  // written and Interrupted is thrown). Writes metrics, checkpoints and the report on rank 0.
  void fit(BatchSource& train, BatchSource* valid = nullptr);
  // Mean of valid_step's loss and metrics over the source ("loss" + metric names).
  std::map<std::string, double> evaluate(BatchSource& source);

  // One optimizer step on a loss the caller computed: zero grads, backward, clip, hook, step. The low-level piece
  // fit() uses; public for custom loops.
  void optimize(const torch::Tensor& loss);

  void save_checkpoint(const std::filesystem::path& path);
  void load_checkpoint(const Checkpoint& ckpt);
  Checkpoint load_checkpoint_file(const std::filesystem::path& path) const;  // checks the kind

  const Progress& progress() const { return progress_; }
  RunDir& run() { return run_; }
  const LearnerOptions& options() const { return options_; }
  std::vector<torch::Tensor> parameters() const { return model_->parameters(); }
  // Rank 0, or a single process: the one that writes the run (checkpoints, logs, samples, the report).
  bool chief() const { return options_.rank == 0; }

 private:
  void checkpoint_now(const std::map<std::string, double>* valid);
  void apply_lr();
  std::map<std::string, double> validate(BatchSource& valid, int64_t epoch);

  RunDir run_;
  std::shared_ptr<torch::nn::Module> model_;
  std::shared_ptr<torch::optim::Optimizer> optimizer_;
  LearnerOptions options_;
  Progress progress_;
  std::vector<double> base_lrs_;
};

// Gradient clipping pieces (also used by optimize()).
void clip_grad_value(const std::vector<torch::Tensor>& params, double value);
double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);  // returns the norm before clipping

}  // namespace torchlab::train
