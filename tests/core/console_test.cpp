#include <gtest/gtest.h>

#include <regex>

#include "torchlab/core/console.h"

using namespace torchlab;

TEST(Console, FormatsDurationsAndRates) {
  EXPECT_EQ(format_duration(75), "01:15");
  EXPECT_EQ(format_duration(3700), "1:01:40");
  EXPECT_EQ(format_rate(1234.5), "1.23k");
  EXPECT_EQ(format_rate(2.5e6), "2.50M");
  EXPECT_EQ(format_rate(12), "12.0");
}

TEST(ProgressBar, OffTtyPrintsPlainLogLines) {
  Console::get().set_interactive(false);
  setenv("TORCHLAB_LOG_INTERVAL", "0", 1);
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("epoch 1", 4);
    for (int i = 1; i <= 4; ++i) bar.update(i, {{"loss", "1.25"}});
    bar.finish({{"loss", "1.00"}});
  }
  const std::string err = testing::internal::GetCapturedStderr();
  unsetenv("TORCHLAB_LOG_INTERVAL");
  EXPECT_EQ(err.find('\r'), std::string::npos) << "no carriage returns off a TTY";
  EXPECT_EQ(err.find("\033["), std::string::npos) << "no escape sequences off a TTY";
  const std::regex line(R"(epoch 1 \d/4 \(\d+\.\d%\) \S+/s eta \S+ loss=1\.\d\d)");
  int lines = 0;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l); ++lines) EXPECT_TRUE(std::regex_match(l, line)) << l;
  EXPECT_EQ(lines, 5);  // four updates and the final line
  EXPECT_NE(err.find("4/4 (100.0%)"), std::string::npos);
}

TEST(ProgressBar, OffTtyIsRateLimited) {
  Console::get().set_interactive(false);
  setenv("TORCHLAB_LOG_INTERVAL", "3600", 1);
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("x", 1000);
    for (int i = 1; i <= 1000; ++i) bar.update(i);
    bar.finish();
  }
  const std::string err = testing::internal::GetCapturedStderr();
  unsetenv("TORCHLAB_LOG_INTERVAL");
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(Console, TtyLiveLineIsClearedBeforeOtherOutput) {
  Console::get().set_interactive(true);
  testing::internal::CaptureStderr();
  Console::get().live("progress 1");
  Console::get().err("a message\n");
  Console::get().clear_live();
  const std::string err = testing::internal::GetCapturedStderr();
  Console::get().set_interactive(false);
  // live line, then erase (\r + clear), then the message, then the live line again, then erase.
  const auto first = err.find("progress 1");
  const auto erase = err.find("\r\033[J", first);
  const auto msg = err.find("a message\n", erase);
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(erase, std::string::npos);
  ASSERT_NE(msg, std::string::npos);
  EXPECT_NE(err.find("progress 1", msg), std::string::npos);
}
