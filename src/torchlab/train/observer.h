#pragma once
// What the training loop tells the parts that plug into it. The loop only trains and validates; each observer owns
// one job: the metrics log, the checkpointer, the dashboard, early stopping, the report, or a task's own epoch-end
// work. Observers are called in the order they were added, and every event reaches all of them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "torchlab/train/progress.h"

namespace torchlab::train {

// Sums of step losses and metrics over a stretch of steps (a log window, an epoch).
struct MetricWindow {
  double loss = 0;
  int64_t steps = 0;
  int64_t items = 0;
  std::map<std::string, double> metrics;

  void add(double step_loss, int64_t step_items, const std::map<std::string, double>& step_metrics) {
    loss += step_loss;
    ++steps;
    items += step_items;
    for (const auto& [k, v] : step_metrics) metrics[k] += v;
  }
  double mean_loss() const { return steps > 0 ? loss / steps : 0; }
  // "loss" and every metric, each the mean per step; empty before the first step.
  std::map<std::string, double> means() const {
    std::map<std::string, double> out;
    if (steps == 0) return out;
    out["loss"] = loss / steps;
    for (const auto& [k, v] : metrics) out[k] = v / steps;
    return out;
  }
};

struct FitStart {
  int64_t batches_per_epoch;
  int64_t first_step;  // steps done before this fit (non-zero after a resume)
};

// After each optimizer step, once its log row and validation (if due) are out.
struct StepEvent {
  int64_t epoch;
  int64_t batch_in_epoch;  // batches of this epoch done, this one included
  int64_t step;            // optimizer steps done, this one included
  double loss;
  int64_t items;
  const MetricWindow& epoch_window;  // this epoch so far
};

struct LogEvent {
  int64_t epoch;
  int64_t step;
  const std::map<std::string, double>& means;  // over the window, reduced across ranks
  std::optional<double> items_per_s;           // all ranks together
  std::optional<double> lr;                    // of the first parameter group
};

struct ValidationEvent {
  int64_t epoch;
  int64_t step;
  const std::map<std::string, double>& metrics;  // reduced across ranks
};

struct InterruptEvent {
  int64_t step;
};

struct FinishEvent {
  int64_t step;
  const std::map<std::string, double>& last_valid;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_fit_start(const FitStart&) {}
  virtual void on_step(const StepEvent&) {}
  virtual void on_log(const LogEvent&) {}
  virtual void on_validation(const ValidationEvent&) {}
  // After the epoch's validation, once the progress counts the next epoch: a checkpoint written here resumes there.
  virtual void on_epoch_end(const EpochEnd&) {}
  virtual void on_message(const std::string&) {}  // a notice for the user (a CUDA graph that failed, early stopping)
  virtual void on_interrupt(const InterruptEvent&) {}  // SIGINT/SIGTERM: the fit throws Interrupted after this
  virtual void on_finish(const FinishEvent&) {}
};

}  // namespace torchlab::train
