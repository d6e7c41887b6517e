#pragma once
// The Learner's live view. On a TTY: a block redrawn at most 10 times a second (epoch/step progress with ETA,
// current and mean loss, throughput, a loss sparkline, last validation metrics, device and memory). Off a TTY:
// plain log lines, one every few seconds (TORCHLAB_LOG_INTERVAL) plus one per epoch. The terminal is restored on
// finish, exceptions and Ctrl-C (through Console::restore).
#include <map>
#include <string>
#include <vector>

#include "torchlab/core/console.h"

namespace torchlab::train {

struct DashboardState {
  std::string run;     // run name
  std::string device;  // "cpu", "cuda:0"
  std::string unit;    // what throughput counts: "chars", "images", "moves"
  int64_t epoch = 0;   // 1-based while running
  int64_t epochs = 0;
  int64_t step_in_epoch = 0;
  int64_t steps_per_epoch = 0;
  int64_t global_step = 0;
  int64_t max_steps = 0;   // 0 = by epochs
  int64_t first_step = 0;  // global_step when this process started (non-zero after --resume): the ETA's base
  double loss = 0;
  double mean_loss = 0;  // over the current epoch
  double items_per_s = 0;
  double elapsed_s = 0;
  std::vector<double> loss_history;          // recent losses for the sparkline
  std::map<std::string, double> metrics;     // current train metrics (epsilon, win rate, ...)
  std::map<std::string, double> last_valid;  // last validation metrics
  double rss_mb = 0;
  double device_mem_mb = 0;
};

// One block character (▁..█) per value, scaled from the smallest to the largest; more values than `width` are
// averaged in `width` equal buckets so the line shows the whole history. Non-finite values draw as "×".
std::string sparkline(const std::vector<double>& values, size_t width);

class Dashboard {
 public:
  explicit Dashboard(bool quiet = false);
  ~Dashboard();
  void update(const DashboardState& state);  // rate-limited
  void message(const std::string& line);     // a line printed above the live view (epoch summaries, notices)
  void finish();
  // The block the TTY view draws / the line the log mode prints, for tests.
  static std::string render_block(const DashboardState& state);
  static std::string render_line(const DashboardState& state);

 private:
  bool quiet_;
  double log_interval_;
  double last_draw_ = -1e9;
  bool finished_ = false;
  bool interactive_ = false;
  bool drawn_ = false;    // the TTY block is on screen
  bool pending_ = false;  // last_ has not been shown yet
  DashboardState last_;
};

// Resident memory of this process (VmRSS of /proc/self/status), 0 where unknown.
double current_rss_mb();
// Peak memory allocated on a "cuda:N" device in MB; 0 for the CPU or a build without CUDA.
double device_memory_mb(const std::string& device);

}  // namespace torchlab::train
