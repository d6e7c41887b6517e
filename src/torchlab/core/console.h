#pragma once
// The one output path: everything a task prints goes through Console, so a live progress view on a TTY is cleared
// before a line is printed and redrawn after, and nothing interleaves.
#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace torchlab {

class Console {
 public:
  static Console& get();

  // True when stderr is a terminal (and TERM is not "dumb"): live views redraw in place; otherwise plain log lines.
  bool interactive() const { return interactive_; }
  void set_interactive(bool on) { interactive_ = on; }

  void out(const std::string& text);  // stdout, as is (add "\n" yourself)
  void err(const std::string& text);  // stderr, as is
  // Replaces the live block (one or more lines, no trailing newline) on stderr. No-op off a TTY.
  void live(const std::string& block);
  void clear_live();
  // Restores the terminal (shows the cursor, ends the live block); safe to call from any exit path.
  void restore();

 private:
  Console();
  void erase_locked();
  void draw_locked();
  std::mutex mu_;
  bool interactive_ = false;
  std::string live_;
  int live_lines_ = 0;
};

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string format_duration(double seconds);  // 75 → "01:15", 3700 → "1:01:40"
std::string format_rate(double per_second);     // 1234.5 → "1.23k"

// A progress bar over `total` items. On a TTY: one line redrawn at most 10 times a second with bar, percent, count,
// rate, ETA and extra fields. Off a TTY: "label done/total (pct%) rate/s eta fields" every `log_interval` seconds
// (TORCHLAB_LOG_INTERVAL overrides), so logs stay short.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, double log_interval_s = 5.0);
  ~ProgressBar();
  void update(int64_t done, const Fields& fields = {});
  // Prints the final state once (both modes) and ends the live line.
  void finish(const Fields& fields = {});
  std::string line(int64_t done, const Fields& fields, bool with_bar) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  int64_t total_;
  double log_interval_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  int64_t done_ = 0;
  bool finished_ = false;
};

double log_interval_from_env(double fallback);

}  // namespace torchlab
