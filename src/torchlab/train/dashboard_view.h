#pragma once
// The observer that shows a fit on the Dashboard: progress, loss, throughput and the last validation while it runs,
// an "Epoch: N, loss: X, val ...: Y" line per epoch, and the loop's notices.
#include <chrono>
#include <deque>
#include <map>
#include <string>

#include "torchlab/train/dashboard.h"
#include "torchlab/train/observer.h"

namespace torchlab::train {

struct DashboardViewOptions {
  std::string run;     // the run's name ("" in memory)
  std::string device;  // as shown
  std::string unit;    // what throughput counts
  int64_t epochs = 1;
  int64_t max_steps = 0;
  int world_size = 1;      // throughput counts every rank's items
  bool epoch_line = true;  // off for a task that prints its own
  bool quiet = false;      // nothing on screen (tests, ranks other than 0)
};

class DashboardView : public Observer {
 public:
  explicit DashboardView(DashboardViewOptions options);
  void on_fit_start(const FitStart& e) override;
  void on_step(const StepEvent& e) override;
  void on_validation(const ValidationEvent& e) override;
  void on_epoch_end(const EpochEnd& e) override;
  void on_message(const std::string& line) override;
  void on_interrupt(const InterruptEvent& e) override;
  void on_finish(const FinishEvent& e) override;

 private:
  using Clock = std::chrono::steady_clock;
  DashboardViewOptions options_;
  Dashboard dashboard_;
  DashboardState view_;
  std::deque<double> history_;
  std::map<std::string, double> last_valid_;
  Clock::time_point start_, last_draw_;
  int64_t items_ = 0;
};

}  // namespace torchlab::train
