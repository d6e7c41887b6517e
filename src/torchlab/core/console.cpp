#include "torchlab/core/console.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace torchlab {

Console& Console::get() {
  static Console console;
  return console;
}

Console::Console() {
  const char* term = std::getenv("TERM");
  interactive_ = ::isatty(STDERR_FILENO) && !(term && std::string(term) == "dumb");
}

void Console::erase_locked() {
  if (live_lines_ == 0) return;
  // Carriage return, then up to the first live line, then clear to the end of the screen.
  std::string seq = "\r";
  if (live_lines_ > 1) seq += "\033[" + std::to_string(live_lines_ - 1) + "A";
  seq += "\033[J";
  std::fputs(seq.c_str(), stderr);
  live_lines_ = 0;
}

void Console::draw_locked() {
  if (live_.empty()) return;
  std::fputs(live_.c_str(), stderr);
  live_lines_ = 1;
  for (char c : live_)
    if (c == '\n') ++live_lines_;
  std::fflush(stderr);
}

void Console::out(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  erase_locked();
  std::fflush(stderr);
  std::cout << text << std::flush;
  draw_locked();
}

void Console::err(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  erase_locked();
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  draw_locked();
}

void Console::live(const std::string& block) {
  if (!interactive_) return;
  std::lock_guard<std::mutex> lock(mu_);
  erase_locked();
  live_ = block;
  draw_locked();
}

void Console::clear_live() {
  std::lock_guard<std::mutex> lock(mu_);
  erase_locked();
  live_.clear();
  std::fflush(stderr);
}

void Console::restore() {
  if (!interactive_) return;
  clear_live();
  std::fputs("\033[?25h", stderr);
  std::fflush(stderr);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string format_rate(double v) {
  char buf[32];
  if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.2fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double log_interval_from_env(double fallback) {
  if (const char* env = std::getenv("TORCHLAB_LOG_INTERVAL")) {
    char* end = nullptr;
    double v = std::strtod(env, &end);
    if (end != env && v >= 0) return v;
  }
  return fallback;
}

ProgressBar::ProgressBar(std::string label, int64_t total, double log_interval_s)
    : label_(std::move(label)),
      total_(total),
      log_interval_(log_interval_from_env(log_interval_s)),
      start_(Clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (!finished_) Console::get().clear_live();
}

std::string ProgressBar::line(int64_t done, const Fields& fields, bool with_bar) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double frac = total_ > 0 ? std::min(1.0, double(done) / total_) : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : NAN;
  std::string s;
  char buf[96];
  if (with_bar) {
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width);
    s += "[" + format_duration(elapsed) + "] " + std::string(filled, '#') + std::string(width - filled, '-') + " ";
  } else {
    s += label_ + " ";
  }
  std::snprintf(buf, sizeof buf, "%lld/%lld (%.1f%%) %s/s eta %s", static_cast<long long>(done),
                static_cast<long long>(total_), 100.0 * frac, format_rate(rate).c_str(), format_duration(eta).c_str());
  s += buf;
  for (const auto& [k, v] : fields) s += " " + k + "=" + v;
  return s;
}

void ProgressBar::update(int64_t done, const Fields& fields) {
  done_ = done;
  const auto now = Clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  auto& console = Console::get();
  if (console.interactive()) {
    if (since < 0.1 && done < total_) return;
    last_draw_ = now;
    console.live(line(done, fields, true));
  } else {
    if (since < log_interval_) return;
    last_draw_ = now;
    console.err(line(done, fields, false) + "\n");
  }
}

void ProgressBar::finish(const Fields& fields) {
  if (finished_) return;
  finished_ = true;
  auto& console = Console::get();
  console.clear_live();
  console.err((console.interactive() ? line(done_, fields, true) : line(done_, fields, false)) + "\n");
}

}  // namespace torchlab
