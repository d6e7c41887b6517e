// A rank that dies or hangs makes the others fail within the timeout, naming it — never a silent hang.
#include <gtest/gtest.h>

#include "dist/workers.h"
#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/dist/context.h"
#include "torchlab/dist/env.h"

using namespace torchlab;
using namespace std::chrono_literals;
using testing_support::read_text;
using testing_support::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kTimeoutS = 3;

struct Pair {
  TempDir dir;
  std::vector<dist_test::Proc> ranks;
  explicit Pair(int hang_rank = -1) {
    const int port = dist::free_port();
    for (int r = 0; r < 2; ++r)
      ranks.push_back(dist_test::spawn_rank("DistWorker.Run", r, 2, port,
                                            {{"TORCHLAB_TEST_DIST_MODE", "forever"},
                                             {"TORCHLAB_TEST_DIST_ROOT", dir.path().string()},
                                             {"TORCHLAB_TEST_DIST_HANG_RANK", std::to_string(hang_rank)},
                                             {"TORCHLAB_DIST_TIMEOUT", std::to_string(kTimeoutS)}},
                                            dir / ("log-" + std::to_string(r))));
  }
  ~Pair() {
    for (auto& p : ranks) dist_test::wait_for(p.pid, 0ms);  // kills and reaps what is left
  }
  bool ready() {
    return dist_test::wait_for_file(dir / "ready-0", 60s) && dist_test::wait_for_file(dir / "ready-1", 60s);
  }
};

// Waits for `survivor`; it must fail (exit 2) soon, naming `culprit` in its error. Returns the seconds it took.
double expect_fails_naming(const dist_test::Proc& survivor, const std::string& culprit) {
  const auto start = Clock::now();
  const int status = dist_test::wait_for(survivor.pid, std::chrono::milliseconds(int(kTimeoutS * 1000)) + 20s);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  const auto log = read_text(survivor.log);
  EXPECT_EQ(dist_test::exit_code(status), 2) << log;
  EXPECT_NE(log.find(culprit), std::string::npos) << log;
  return took;
}

}  // namespace

TEST(DistFaults, AKilledRankIsNamedByTheOther) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  Pair pair;
  ASSERT_TRUE(pair.ready());
  ::kill(pair.ranks[1].pid, SIGKILL);
  const double took = expect_fails_naming(pair.ranks[0], "rank 1 ");
  EXPECT_LT(took, kTimeoutS + 8);  // a closed connection is noticed at once
}

TEST(DistFaults, AHungRankFailsTheOtherAfterTheTimeout) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  Pair pair(1);  // rank 1 hangs at step 5: alive, connections open, never answering
  ASSERT_TRUE(pair.ready());
  const double took = expect_fails_naming(pair.ranks[0], "rank 1 did not reach it");
  EXPECT_GE(took, kTimeoutS - 0.5);
  EXPECT_LT(took, kTimeoutS + 12);
}

TEST(DistFaults, LosingRankZeroNamesTheStoreHost) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  Pair pair;
  ASSERT_TRUE(pair.ready());
  ::kill(pair.ranks[0].pid, SIGKILL);
  expect_fails_naming(pair.ranks[1], "lost rank 0, which hosts the rendezvous store");
}

TEST(DistFaults, ARankThatNeverJoinsIsNamedAfterTheTimeout) {
  dist::Env env;
  env.present = true;
  env.world_size = 3;
  env.master_port = dist::free_port();
  env.timeout = 1500ms;
  const auto start = Clock::now();
  try {
    dist::Context context(env);
    FAIL() << "joined alone";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("ranks 1, 2 of 3 did not join the rendezvous at 127.0.0.1:"),
              std::string::npos)
        << e.what();
  }
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - start).count(), 1.4);
}

TEST(DistFaults, NoStoreToReachIsAClearError) {
  dist::Env env;
  env.present = true;
  env.rank = 1;
  env.world_size = 2;
  env.master_port = dist::free_port();  // nobody listens there
  env.timeout = 1000ms;
  try {
    dist::Context context(env);
    FAIL() << "reached a store that does not exist";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1 could not reach rank 0's rendezvous store at 127.0.0.1:"),
              std::string::npos)
        << e.what();
  }
}
