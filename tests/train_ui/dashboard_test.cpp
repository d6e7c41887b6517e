#include "torchlab/train/dashboard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "train_ui/capture.h"

using torchlab::Console;
using torchlab::train::Dashboard;
using torchlab::train::DashboardState;
using torchlab::train::sparkline;

namespace {

std::string repeat(const char* piece, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += piece;
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Epoch 2 of 5, 30 of 100 batches, 130 of 500 steps in 26 s: 5 steps/s, so 370 steps left take 74 s and the 70
// batches left in the epoch 14 s.
DashboardState sample_state() {
  DashboardState s;
  s.run = "fmnist-test";
  s.device = "cpu";
  s.unit = "images";
  s.epoch = 2;
  s.epochs = 5;
  s.step_in_epoch = 30;
  s.steps_per_epoch = 100;
  s.global_step = 130;
  s.loss = 0.43214;
  s.mean_loss = 0.45678;
  s.items_per_s = 1234.5;
  s.elapsed_s = 26;
  s.loss_history = {3, 2, 1, 0};
  s.metrics = {{"epsilon", 0.1}};
  s.last_valid = {{"loss", 0.41}, {"accuracy", 0.87}};
  s.rss_mb = 512.4;
  return s;
}

// Sets the Console's mode and TORCHLAB_LOG_INTERVAL for one test, and puts both back.
class ConsoleMode {
 public:
  ConsoleMode(bool interactive, const char* log_interval) : was_(Console::get().interactive()) {
    if (const char* env = std::getenv("TORCHLAB_LOG_INTERVAL")) env_ = env;
    Console::get().set_interactive(interactive);
    ::setenv("TORCHLAB_LOG_INTERVAL", log_interval, 1);
  }
  ~ConsoleMode() {
    Console::get().set_interactive(was_);
    if (env_.empty())
      ::unsetenv("TORCHLAB_LOG_INTERVAL");
    else
      ::setenv("TORCHLAB_LOG_INTERVAL", env_.c_str(), 1);
  }

 private:
  bool was_;
  std::string env_;
};

}  // namespace

TEST(Sparkline, ScalesFromSmallestToLargest) {
  EXPECT_EQ(sparkline({0, 1, 2, 3, 4, 5, 6, 7}, 8), "▁▂▃▄▅▆▇█");
  EXPECT_EQ(sparkline({7, 0}, 8), "█▁");  // fewer values than width: one character each
  EXPECT_EQ(sparkline({2, 2, 2}, 8), "▄▄▄");
  EXPECT_EQ(sparkline({}, 8), "");
  EXPECT_EQ(sparkline({1, 2}, 0), "");
}

TEST(Sparkline, AveragesBucketsWhenLongerThanWidth) {
  // Bucket means 0, 1, 2, 3 → levels round(7·k/3) = 0, 2, 5, 7.
  EXPECT_EQ(sparkline({0, 0, 1, 1, 2, 2, 3, 3}, 4), "▁▃▆█");
  // 10 values in 4 buckets [0,2) [2,5) [5,7) [7,10): means 0.5, 3, 5.5, 8 → levels 0, 2.33→2, 4.67→5, 7.
  EXPECT_EQ(sparkline({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 4), "▁▃▆█");
}

TEST(Sparkline, MarksNonFiniteValues) { EXPECT_EQ(sparkline({0, NAN, 1, INFINITY}, 8), "▁×█×"); }

TEST(DashboardRender, LogLineHasEveryFieldInAFixedFormat) {
  EXPECT_EQ(Dashboard::render_line(sample_state()),
            "epoch 2/5  step 130/500 (26.0%)  loss 0.4321  mean 0.4568  1.23k images/s  elapsed 00:26  eta 01:14  "
            "epsilon=0.1  valid accuracy=0.87 loss=0.41  rss 512 MB");
}

TEST(DashboardRender, EtaUsesOnlyTheStepsOfThisProcess) {
  auto s = sample_state();
  s.first_step = 100;  // resumed at step 100: 30 steps in 6 s = 5 steps/s again
  s.elapsed_s = 6;
  EXPECT_NE(Dashboard::render_line(s).find("elapsed 00:06  eta 01:14"), std::string::npos);
}

TEST(DashboardRender, MaxStepsAndUnknownTotals) {
  auto s = sample_state();
  s.max_steps = 1000;  // 870 left at 5/s = 174 s
  EXPECT_NE(Dashboard::render_line(s).find("step 130/1000 (13.0%)"), std::string::npos);
  EXPECT_NE(Dashboard::render_line(s).find("eta 02:54"), std::string::npos);
  s = sample_state();
  s.epochs = 0;
  s.steps_per_epoch = 0;
  s.metrics.clear();
  s.last_valid.clear();
  s.device_mem_mb = 2048;
  EXPECT_EQ(Dashboard::render_line(s),
            "epoch 2  step 130  loss 0.4321  mean 0.4568  1.23k images/s  elapsed 00:26  rss 512 MB  device 2.00 GB");
}

TEST(DashboardRender, BlockShowsBarsSparklineValidationAndMemory) {
  const auto lines = lines_of(Dashboard::render_block(sample_state()));
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0], "torchlab · fmnist-test · cpu");
  // 30 % of 24 cells = 7.2 → 7 filled.
  EXPECT_EQ(lines[1], "epoch  2/5  " + repeat("█", 7) + repeat("░", 17) + " 30/100  eta 00:14");
  EXPECT_EQ(lines[2], "step   130/500  " + repeat("█", 6) + repeat("░", 18) + " 26.0%  elapsed 00:26  eta 01:14");
  EXPECT_EQ(lines[3], "loss   0.4321  mean 0.4568  1.23k images/s");
  EXPECT_EQ(lines[4], "       █▆▃▁");
  EXPECT_EQ(lines[5], "valid  accuracy 0.87 loss 0.41");
  EXPECT_EQ(lines[6], "train  epsilon 0.1");
  EXPECT_EQ(lines[7], "memory rss 512 MB");
  auto bare = sample_state();
  bare.loss_history.clear();
  bare.metrics.clear();
  bare.last_valid.clear();
  const auto short_lines = lines_of(Dashboard::render_block(bare));
  ASSERT_EQ(short_lines.size(), 5u);
  EXPECT_EQ(short_lines[4], "memory rss 512 MB");
}

TEST(DashboardLog, OffTtyPrintsPlainLinesAtTheLogInterval) {
  ConsoleMode mode(false, "0");  // every update is due
  StderrCapture capture;
  const auto s = sample_state();
  {
    Dashboard dash;
    dash.update(s);
    dash.update(s);
    dash.message("Epoch: 2, loss: 0.457, val loss: 0.4100");
    dash.finish();  // everything was shown already: no extra line
  }
  const std::string out = capture.stop();
  const std::string line = Dashboard::render_line(s);
  EXPECT_EQ(out, line + "\n" + line + "\nEpoch: 2, loss: 0.457, val loss: 0.4100\n");
  EXPECT_EQ(out.find('\033'), std::string::npos);  // no escape codes in logs
}

TEST(DashboardLog, LongIntervalLeavesOnlyMessagesAndTheFinalLine) {
  ConsoleMode mode(false, "3600");
  StderrCapture capture;
  auto s = sample_state();
  {
    Dashboard dash;
    for (int i = 0; i < 50; ++i) {
      s.global_step = 100 + i;
      dash.update(s);
    }
    dash.message("Epoch: 2, loss: 0.457");
    dash.finish();
    dash.finish();  // idempotent
  }
  EXPECT_EQ(capture.stop(), "Epoch: 2, loss: 0.457\n" + Dashboard::render_line(s) + "\n");
}

TEST(DashboardLog, MeasuresMemoryTheCallerLeftOut) {
  ConsoleMode mode(false, "0");
  StderrCapture capture;
  auto s = sample_state();
  s.rss_mb = 0;
  {
    Dashboard dash;
    dash.update(s);
  }
  const std::string out = capture.stop();
  const size_t at = out.find("  rss ");
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_GT(std::stod(out.substr(at + 6)), 1.0) << out;
}

TEST(DashboardLog, QuietPrintsNothing) {
  ConsoleMode mode(false, "0");
  StderrCapture capture;
  {
    Dashboard dash(true);
    dash.update(sample_state());
    dash.message("hello");
    dash.finish();
  }
  EXPECT_EQ(capture.stop(), "");
}

TEST(DashboardLive, RedrawsAtMostTenTimesASecondAndRestoresTheTerminal) {
  ConsoleMode mode(true, "5");
  StderrCapture capture;
  const auto start = std::chrono::steady_clock::now();
  double seconds = 0;
  {
    Dashboard dash;
    auto s = sample_state();
    int64_t n = 0;
    while ((seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()) < 0.35) {
      s.global_step = 130 + (++n % 7);
      dash.update(s);
    }
    dash.finish();
  }
  const std::string out = capture.stop();
  const size_t draws = occurrences(out, "torchlab · fmnist-test");
  // Live draws (at most one per 0.1 s, the first at once) plus the final block kept on screen.
  EXPECT_GE(draws, 2u);
  EXPECT_LE(draws, static_cast<size_t>(seconds / 0.1) + 2) << seconds << " s";
  EXPECT_NE(out.find("\033[?25l"), std::string::npos);  // cursor hidden while live
  EXPECT_EQ(out.substr(out.size() - 6), "\033[?25h");   // and shown again at the end
}

TEST(DashboardLive, DestructorWithoutFinishClearsTheBlock) {
  ConsoleMode mode(true, "5");
  StderrCapture capture;
  try {
    Dashboard dash;
    dash.update(sample_state());
    throw std::runtime_error("step failed");
  } catch (const std::runtime_error&) {
  }
  const std::string out = capture.stop();
  EXPECT_EQ(occurrences(out, "torchlab · fmnist-test"), 1u);
  // After the block: back to its first line, clear to the end of the screen, cursor on.
  const std::string tail = "\r\033[7A\033[J\033[?25h";
  ASSERT_GE(out.size(), tail.size());
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
}

TEST(Memory, RssFollowsAllocations) {
  const double before = torchlab::train::current_rss_mb();
  EXPECT_GT(before, 1.0);
  std::vector<char> block(64 << 20);
  for (size_t i = 0; i < block.size(); i += 4096) block[i] = 1;  // touch every page
  const double after = torchlab::train::current_rss_mb();
  EXPECT_GT(after - before, 60.0);
  EXPECT_LT(after - before, 80.0);
  EXPECT_EQ(torchlab::train::device_memory_mb("cpu"), 0.0);
}
