// `torchlab launch` end to end: two workers of the real binary on 127.0.0.1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/test_support.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(Launch, TwoWorkersTrainTheSameModel) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  const auto r = run_cli("launch --nproc 2 -- dist-check --size-mb 1 --repeats 2 --train-steps 12 --run r", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "dist-check: 2 ranks joined at 127.0.0.1:")) << r.out;
  EXPECT_TRUE(contains(r.out, "backend gloo")) << r.out;
  EXPECT_TRUE(contains(r.out, "trained 12 steps data-parallel")) << r.out;
  EXPECT_TRUE(contains(r.out, "parameters identical on every rank: yes")) << r.out;
  EXPECT_FALSE(contains(r.out, "[rank 1]")) << "rank 1's stdout is dropped by default:\n" << r.out;
  EXPECT_TRUE(contains(r.err, "torchlab launch: 2 workers (ranks 0..1 of 2)")) << r.err;
  EXPECT_TRUE(fs::exists(dir / "runs" / "r" / "checkpoints" / "step-000000000012.ckpt"));
}

TEST(Launch, AFailingWorkerIsReportedWithItsRankAndCode) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  const auto r = run_cli("launch --nproc 2 --timeout 10 -- dist-check --size-mb 1 --fail-on-rank 1", dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;  // the worker's own code
  EXPECT_TRUE(contains(r.err, "[rank 1] torchlab: error: rank 1 fails on purpose")) << r.err;
  EXPECT_TRUE(contains(r.err, "torchlab launch: worker rank 1 (pid ")) << r.err;
  EXPECT_TRUE(contains(r.err, "exited with code 2; stopping the other workers")) << r.err;
  // Rank 0 names the culprit too, without waiting for its timeout.
  EXPECT_TRUE(contains(r.err, "rank 0: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "rank 1 did not reach it")) << r.err;
}

TEST(Launch, BadUsageIsAUserError) {
  auto r = run_cli("launch --nproc 0 -- info");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--nproc 0: must be at least 1")) << r.err;
  r = run_cli("launch --nproc 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "launch needs the command to run after --")) << r.err;
  r = run_cli("launch --nnodes 2 --nproc 1 -- info");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "needs --master HOST:PORT")) << r.err;
  r = run_cli("launch --nproc 1 --master nowhere -- info");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--master nowhere: expected HOST:PORT")) << r.err;
}

TEST(Launch, AMissingBackendNamesTheCompiledOnes) {
  const auto info = run_cli("info --json");
  if (contains(info.out, "nccl")) GTEST_SKIP() << "this build has nccl";
  const auto r = run_cli("launch --nproc 1 --backend nccl -- dist-check --size-mb 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "distributed backend nccl is not compiled into this build (compiled in: ")) << r.err;
}

TEST(Launch, CtrlCStopsEveryWorkerAndRankZeroCheckpoints) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  const auto log = dir / "launch.log";
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.path().c_str()) != 0) _exit(127);
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    if (!std::freopen("/dev/null", "w", stdout)) _exit(127);
    execl(TORCHLAB_CLI, "torchlab", "launch", "--nproc", "2", "--", "dist-check", "--size-mb", "1", "--repeats", "1",
          "--train-steps", "100000", "--step-ms", "10", "--run", "c", nullptr);
    _exit(127);
  }
  // Wait until training is under way (the first checkpoint-free metrics rows), then Ctrl-C launch alone.
  const auto metrics = dir / "runs" / "c" / "metrics.jsonl";
  for (int i = 0; i < 600 && (!fs::exists(metrics) || fs::file_size(metrics) < 200); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(metrics)) << read_text(log);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  const auto err = read_text(log);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 130) << err;
  EXPECT_TRUE(contains(err, "torchlab launch: got SIGINT: stopping the workers")) << err;
  EXPECT_TRUE(contains(err, "interrupted at step ")) << err;
  EXPECT_FALSE(fs::is_empty(dir / "runs" / "c" / "checkpoints")) << err;
}
