// One writer per run, through the CLI: a second training of a run that is training is refused (exit 2, naming the
// holder's pid), readers are not, and the lock of a SIGKILLed training does not block the next one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "support/test_support.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::TempDir;
using testing_support::write_text;
namespace fs = std::filesystem;

namespace {

std::string text_of(size_t n) {
  const std::string unit = "Call me Ishmael. Some years ago, never mind how long precisely. ";
  std::string s;
  while (s.size() < n) s += unit;
  return s.substr(0, n);
}

// Starts the CLI with `args` in the background in `cwd` (stdout, stderr to log.out, log.err); returns its pid (the
// shell execs the CLI).
int start_cli(const std::string& args, const fs::path& cwd, const fs::path& log) {
  const std::string cmd = "cd '" + cwd.string() + "' && exec '" + TORCHLAB_CLI + "' " + args + " >'" + log.string() +
                          ".out' 2>'" + log.string() + ".err' </dev/null";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits until `done` holds or `seconds` pass.
bool wait_for(const std::function<bool()>& done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace

TEST(RunLockCli, SecondWriterRefusedReadersServedKilledHolderDoesNotBlock) {
  TempDir dir;
  write_text(dir / "t.txt", text_of(3000));
  const std::string tiny = " --hidden 8 --seq-len 16 --batch-size 4 --sample-length 0 --threads 1 --quiet";
  // Long enough to outlive the checks below; it is killed at the end.
  const int pid = start_cli("char-rnn train --input t.txt --run a --epochs 100000 --checkpoint-every 5" + tiny,
                            dir.path(), dir / "first");
  ASSERT_GT(pid, 0);
  const auto lock = dir / "runs" / "a" / ".lock";
  const std::string holder = "pid " + std::to_string(pid) + ", started ";
  ASSERT_TRUE(wait_for(
      [&] { return read_text(lock).rfind(holder, 0) == 0 && !fs::is_empty(dir / "runs" / "a" / "checkpoints"); }, 60))
      << read_text(lock) << read_text(dir / "first.err");

  for (const std::string second :
       {std::string("char-rnn train --resume a --threads 1 --quiet"),
        "char-rnn train --input t.txt --run a --overwrite" + tiny, "char-rnn train --input t.txt --run a" + tiny}) {
    const auto r = run_cli(second, dir.path());
    EXPECT_EQ(r.exit_code, 2) << second << "\n" << r.err;
    EXPECT_NE(r.err.find("is being trained by another process (" + holder), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(fs::exists(dir / "runs" / "a" / "config.json"));  // the refused --overwrite emptied nothing

  // Readers take no lock.
  const auto sample = run_cli("char-rnn sample --run a --length 20 --threads 1", dir.path());
  EXPECT_EQ(sample.exit_code, 0) << sample.err;
  const auto report = run_cli("report runs/a", dir.path());
  EXPECT_EQ(report.exit_code, 0) << report.err;

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(read_text(lock).rfind(holder, 0), 0u);  // the file stays, naming the dead holder; the flock is gone
  const auto after = run_cli("char-rnn train --resume a --max-steps 1 --threads 1 --quiet", dir.path());
  EXPECT_EQ(after.exit_code, 0) << after.err;
}
