#include "torchlab/train/dashboard.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "torchlab/core/compat.h"

namespace torchlab::train {
namespace {

constexpr double kRedrawInterval = 0.1;  // at most 10 redraws a second
constexpr int kBarWidth = 24;
constexpr size_t kSparkWidth = 40;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string printf_str(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string number(double v) { return printf_str("%.4g", v); }
std::string loss_str(double v) { return printf_str("%.4f", v); }

std::string megabytes(double mb) { return mb >= 1024 ? printf_str("%.2f GB", mb / 1024) : printf_str("%.0f MB", mb); }

std::string repeat(const char* piece, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += piece;
  return s;
}

std::string bar(double frac) {
  frac = std::clamp(std::isfinite(frac) ? frac : 0.0, 0.0, 1.0);
  const int filled = static_cast<int>(std::floor(frac * kBarWidth + 1e-9));
  return repeat("█", filled) + repeat("░", kBarWidth - filled);
}

std::string count(int64_t done, int64_t total) {
  return std::to_string(done) + (total > 0 ? "/" + std::to_string(total) : "");
}

// Steps the whole run has (0 when unknown) and the step rate of this process (its steps over its elapsed time, so a
// resumed run's ETA is not skewed by the steps done before it started).
int64_t total_steps(const DashboardState& s) { return s.max_steps > 0 ? s.max_steps : s.epochs * s.steps_per_epoch; }

double step_rate(const DashboardState& s) {
  const int64_t done_here = s.global_step - s.first_step;
  return s.elapsed_s > 0 && done_here > 0 ? done_here / s.elapsed_s : 0.0;
}

double eta(int64_t remaining, double rate) { return rate > 0 ? std::max<int64_t>(remaining, 0) / rate : NAN; }

std::string unit(const DashboardState& s) { return s.unit.empty() ? "items" : s.unit; }

std::string key_values(const std::map<std::string, double>& m, const char* sep) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : " ") + k + sep + number(v);
  return out;
}

std::string memory(const DashboardState& s) {
  std::string out = "rss " + megabytes(s.rss_mb);
  if (s.device_mem_mb > 0) out += "  device " + megabytes(s.device_mem_mb);
  return out;
}

// Cuts every line of a block to `columns` terminal cells so no line wraps (a wrapped line would break the in-place
// redraw, which erases by line count). Every character the block uses is one cell wide.
std::string fit_width(const std::string& block, size_t columns) {
  std::string out;
  size_t cells = 0;
  for (char c : block) {
    if (c == '\n') {
      cells = 0;
      out += c;
      continue;
    }
    const bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_char) ++cells;
    if (cells <= columns) out += c;
  }
  return out;
}

// Memory the caller left out is measured here, only when it is shown.
void measure_memory(DashboardState& s) {
  if (s.rss_mb <= 0) s.rss_mb = current_rss_mb();
  if (s.device_mem_mb <= 0) s.device_mem_mb = device_memory_mb(s.device);
}

size_t terminal_columns() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col - 1;
  return 100;
}

}  // namespace

std::string sparkline(const std::vector<double>& values, size_t width) {
  static const char* const levels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (width == 0 || values.empty()) return "";
  // Bucket means: bucket i covers values [i*n/w, (i+1)*n/w).
  std::vector<double> points;
  const size_t n = values.size(), w = std::min(width, n);
  for (size_t i = 0; i < w; ++i) {
    const size_t lo = i * n / w, hi = (i + 1) * n / w;
    double sum = 0;
    for (size_t j = lo; j < hi; ++j) sum += values[j];
    points.push_back(sum / double(hi - lo));
  }
  double lo = INFINITY, hi = -INFINITY;
  for (double v : points)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  std::string out;
  for (double v : points) {
    if (!std::isfinite(v)) {
      out += "×";
    } else if (hi - lo <= 0) {
      out += levels[3];  // a flat line sits in the middle
    } else {
      const int level = static_cast<int>(std::lround((v - lo) / (hi - lo) * 7));
      out += levels[std::clamp(level, 0, 7)];
    }
  }
  return out;
}

std::string Dashboard::render_line(const DashboardState& s) {
  const int64_t total = total_steps(s);
  const double rate = step_rate(s);
  std::string line = "epoch " + count(s.epoch, s.epochs) + "  step " + count(s.global_step, total);
  if (total > 0) line += printf_str(" (%.1f%%)", 100.0 * std::min<double>(1.0, double(s.global_step) / total));
  line += "  loss " + loss_str(s.loss) + "  mean " + loss_str(s.mean_loss);
  line += "  " + format_rate(s.items_per_s) + " " + unit(s) + "/s";
  line += "  elapsed " + format_duration(s.elapsed_s);
  if (total > 0) line += "  eta " + format_duration(eta(total - s.global_step, rate));
  if (!s.metrics.empty()) line += "  " + key_values(s.metrics, "=");
  if (!s.last_valid.empty()) line += "  valid " + key_values(s.last_valid, "=");
  line += "  " + memory(s);
  return line;
}

std::string Dashboard::render_block(const DashboardState& s) {
  const int64_t total = total_steps(s);
  const double rate = step_rate(s);
  std::ostringstream b;
  b << "torchlab · " << (s.run.empty() ? "run" : s.run) << " · " << (s.device.empty() ? "cpu" : s.device) << "\n";

  b << "epoch  " << count(s.epoch, s.epochs);
  if (s.steps_per_epoch > 0)
    b << "  " << bar(double(s.step_in_epoch) / s.steps_per_epoch) << " " << count(s.step_in_epoch, s.steps_per_epoch)
      << "  eta " << format_duration(eta(s.steps_per_epoch - s.step_in_epoch, rate));
  b << "\n";

  b << "step   " << count(s.global_step, total);
  if (total > 0)
    b << "  " << bar(double(s.global_step) / total)
      << printf_str(" %.1f%%", 100.0 * std::min<double>(1.0, double(s.global_step) / total));
  b << "  elapsed " << format_duration(s.elapsed_s);
  if (total > 0) b << "  eta " << format_duration(eta(total - s.global_step, rate));
  b << "\n";

  b << "loss   " << loss_str(s.loss) << "  mean " << loss_str(s.mean_loss) << "  " << format_rate(s.items_per_s) << " "
    << unit(s) << "/s";
  if (!s.loss_history.empty()) b << "\n       " << sparkline(s.loss_history, kSparkWidth);
  if (!s.last_valid.empty()) b << "\nvalid  " << key_values(s.last_valid, " ");
  if (!s.metrics.empty()) b << "\ntrain  " << key_values(s.metrics, " ");
  b << "\nmemory " << memory(s);
  return b.str();
}

Dashboard::Dashboard(bool quiet)
    : quiet_(quiet),
      log_interval_(log_interval_from_env(5.0)),
      last_draw_(now_s()),
      interactive_(Console::get().interactive()) {
  if (interactive_) last_draw_ = -1e9;  // the live view shows the first update at once
}

Dashboard::~Dashboard() {
  // Exceptions and Ctrl-C land here without finish(): drop the live block and give the cursor back.
  if (!finished_ && !quiet_ && interactive_) Console::get().restore();
}

void Dashboard::update(const DashboardState& state) {
  if (quiet_ || finished_) return;
  last_ = state;
  pending_ = true;
  const double now = now_s();
  if (now - last_draw_ < (interactive_ ? kRedrawInterval : log_interval_)) return;
  measure_memory(last_);
  auto& console = Console::get();
  if (interactive_) {
    if (!drawn_) console.err("\033[?25l");  // hide the cursor while the block redraws; restore() shows it
    console.live(fit_width(render_block(last_), terminal_columns()));
    drawn_ = true;
  } else {
    console.err(render_line(last_) + "\n");
  }
  last_draw_ = now;
  pending_ = false;
}

void Dashboard::message(const std::string& line) {
  if (quiet_) return;
  Console::get().err(line + "\n");
}

void Dashboard::finish() {
  if (finished_) return;
  finished_ = true;
  if (quiet_) return;
  auto& console = Console::get();
  if (pending_) measure_memory(last_);
  if (interactive_) {
    // The final view stays on screen as plain text; the live block ends.
    if (drawn_ || pending_) {
      console.clear_live();
      console.err(fit_width(render_block(last_), terminal_columns()) + "\n");
    }
    console.restore();
  } else if (pending_) {
    console.err(render_line(last_) + "\n");
  }
}

double current_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kb = 0;
    fields >> kb;
    return kb / 1024.0;
  }
  return 0;
}

double device_memory_mb(const std::string& device) {
  if (device.rfind("cuda", 0) != 0) return 0;
  int index = 0;
  if (device.size() > 5 && device[4] == ':') index = std::atoi(device.c_str() + 5);
  return compat::cuda_peak_memory(index) / (1024.0 * 1024.0);
}

}  // namespace torchlab::train
