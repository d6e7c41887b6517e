#pragma once
// The observer that writes a run's checkpoints: every N steps, at epoch ends, on an interrupt and where the fit
// stops; keeps the newest `keep_last` and, apart from them, best.ckpt by a validation metric.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "torchlab/train/observer.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::train {

struct CheckpointPolicy {
  int64_t every_steps = 0;  // 0 = off
  bool every_epoch = true;
  int keep_last = 3;        // older step checkpoints are deleted (the best one is kept apart)
  std::string best_metric;  // a validation metric, e.g. "loss" or "accuracy"; empty = no best checkpoint
  Mode best_mode = Mode::Min;
};

class Checkpointer : public Observer {
 public:
  using Save = std::function<void(const std::filesystem::path&)>;
  // `save` writes the whole training state (the Learner's save_checkpoint); `progress` is the state's counters,
  // whose best score this updates; `epochs` is the fit's last epoch, which always ends with a checkpoint.
  Checkpointer(const RunDir& run, CheckpointPolicy policy, Progress& progress, int64_t epochs, Save save);

  void on_step(const StepEvent& e) override;
  void on_validation(const ValidationEvent& e) override;
  void on_epoch_end(const EpochEnd& e) override;
  void on_interrupt(const InterruptEvent& e) override;
  void on_finish(const FinishEvent& e) override;

  // Updates the best score (writing best.ckpt when it improved), writes the step checkpoint, drops the oldest.
  void write();

 private:
  const RunDir& run_;
  CheckpointPolicy policy_;
  Progress& progress_;
  int64_t epochs_;
  Save save_;
  std::map<std::string, double> last_valid_;
  int64_t written_step_ = -1;
};

}  // namespace torchlab::train
