// Two ranks on 127.0.0.1 with Gloo, each a fresh process of this binary (DistWorker.Run with RANK etc. set).
#include "torchlab/dist/data_parallel.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "dist/worker_main.h"
#include "dist/workers.h"
#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"
#include "torchlab/dist/env.h"

using namespace torchlab;
using namespace std::chrono_literals;
using dist_test::spawn_rank;
using testing_support::read_text;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

std::vector<torch::Tensor> load_params(const fs::path& path) {
  std::vector<torch::Tensor> params;
  torch::load(params, path.string());
  return params;
}

std::map<int64_t, double> train_losses(const train::RunDir& run) {
  std::map<int64_t, double> out;
  for (const auto& row : run.read_metrics())
    if (row["split"] == "train") out[row["step"].get<int64_t>()] = row["loss"].get<double>();
  return out;
}

}  // namespace

// One rank. TORCHLAB_TEST_DIST_MODE: "train" = 2 epochs, then save the parameters; "forever" = slow steps until
// stopped, writing ready-<rank> after step 3 (TORCHLAB_TEST_DIST_HANG_RANK: that rank hangs at step 5). Exit codes: 0,
// 2 (UserError), 130 (interrupted).
TEST(DistWorker, Run) {
  const std::string mode = env_or("TORCHLAB_TEST_DIST_MODE", "");
  if (mode.empty()) GTEST_SKIP() << "a rank started by the multi-process tests";
  const fs::path root = env_or("TORCHLAB_TEST_DIST_ROOT", "");
  try {
    dist::Context context(dist::Env::from_environment());
    const int rank = context.rank();
    // Rank 1 starts from other weights: the first step's broadcast must replace them with rank 0's.
    auto net = dist_test::toy_model(rank == 0 ? 123 : 999);
    auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
    const bool resume = env_or("TORCHLAB_TEST_DIST_RESUME", "") == "1";
    auto run = resume ? train::RunDir::open(root / "dp")
                      : dist::create_run_dir(context, root, "dp", "toy", false, {{"task", "toy"}});
    auto options = dist_test::toy_options(mode == "train" ? 2 : 100000);
    options.max_steps = std::stoll(env_or("TORCHLAB_TEST_DIST_MAX_STEPS", "0"));
    train::Learner learner(run, net, adam, dist::configure(context, options));
    toy::wire(learner, net);
    if (mode == "forever") {
      auto step = learner.train_step;
      const bool hang = env_or("TORCHLAB_TEST_DIST_HANG_RANK", "-1") == std::to_string(rank);
      learner.train_step = [step, &learner, root, rank, hang](const train::Batch& b) {
        std::this_thread::sleep_for(10ms);
        if (learner.progress().step == 3) std::ofstream(root / ("ready-" + std::to_string(rank))) << "ready";
        if (hang && learner.progress().step == 5) std::this_thread::sleep_for(1h);  // alive, never answering
        return step(b);
      };
    }
    toy::Source data(200, 16, 7);
    {
      auto shard = dist::attach(context, learner, *net, data);
      const std::string resuming = env_or("TORCHLAB_TEST_DIST_RESUME_RANKS", "01");  // ranks that load the checkpoint
      if (resume && resuming.find(std::to_string(rank)) != std::string::npos && !learner.resume())
        throw UserError("nothing to resume");
      learner.fit(shard);
    }
    torch::save(net->parameters(), (root / ("params-" + std::to_string(rank) + ".pt")).string());
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fflush(stderr);
    std::_Exit(130);
  } catch (const UserError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    std::fflush(stderr);
    std::_Exit(2);
  }
  std::fflush(nullptr);
  std::_Exit(0);
}

namespace {

// Runs both ranks of DistWorker.Run in "train" mode to the end; false (with the logs) when one failed.
::testing::AssertionResult train_two_ranks(const fs::path& root, const std::map<std::string, std::string>& extra = {}) {
  const int port = dist::free_port();
  std::vector<dist_test::Proc> ranks;
  for (int r = 0; r < 2; ++r) {
    std::map<std::string, std::string> env = {{"TORCHLAB_TEST_DIST_MODE", "train"},
                                              {"TORCHLAB_TEST_DIST_ROOT", root.string()},
                                              {"TORCHLAB_DIST_TIMEOUT", "20"}};
    env.insert(extra.begin(), extra.end());
    ranks.push_back(spawn_rank("DistWorker.Run", r, 2, port, env, root / ("log-" + std::to_string(r))));
  }
  auto result = ::testing::AssertionSuccess();
  for (auto& p : ranks)
    if (dist_test::exit_code(dist_test::wait_for(p.pid, 60s)) != 0)
      result = ::testing::AssertionFailure() << read_text(p.log);
  return result;
}

// The same training in one process, on both ranks' batches at once.
struct Reference {
  std::vector<torch::Tensor> params;
  std::map<int64_t, double> losses;
  int64_t steps;
};

Reference train_on_the_union(const fs::path& root) {
  auto net = dist_test::toy_model(123);
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  train::Learner learner(train::RunDir::create(root, "ref", "toy", false, {}), net, adam, dist_test::toy_options(2));
  toy::wire(learner, net);
  toy::Source data(200, 16, 7);
  dist_test::UnionSource both(data, 2);
  learner.fit(both);
  return {net->parameters(), train_losses(learner.run()), learner.progress().step};
}

void expect_same_params(const fs::path& root, const Reference& ref) {
  const auto p0 = load_params(root / "params-0.pt"), p1 = load_params(root / "params-1.pt");
  ASSERT_EQ(p0.size(), ref.params.size());
  for (size_t i = 0; i < ref.params.size(); ++i) {
    EXPECT_TRUE(torch::equal(p0[i], p1[i])) << "parameter " << i << " differs between the ranks";
    EXPECT_LE((p0[i] - ref.params[i]).abs().max().item<double>(), 1e-6) << "parameter " << i;
  }
}

}  // namespace

TEST(DataParallel, TwoRanksMatchOneProcessOnTheUnionOfTheirBatches) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  ASSERT_TRUE(train_two_ranks(dir.path()));
  const auto ref = train_on_the_union(dir.path());
  EXPECT_EQ(ref.steps, 12);  // 12 batches of 16 an epoch, 6 per rank, 2 epochs
  expect_same_params(dir.path(), ref);
  // Logged losses are the mean over both ranks: the union run's, step for step. Rank 0 alone wrote them.
  const auto dp_run = train::RunDir::open(dir / "dp");
  const auto dp = train_losses(dp_run);
  ASSERT_EQ(dp.size(), 4u);  // steps 3, 6, 9, 12
  ASSERT_EQ(ref.losses.size(), dp.size());
  for (const auto& [step, loss] : ref.losses) EXPECT_NEAR(dp.at(step), loss, 1e-6) << "step " << step;
  // Its checkpoints record the world size, which resume checks.
  const auto ckpt = load_checkpoint(dp_run.checkpoints().back(), "toy");
  EXPECT_EQ(ckpt.meta["world_size"], 2);
}

TEST(DataParallel, AResumedRunEndsWhereAnUninterruptedOneDoes) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  ASSERT_TRUE(train_two_ranks(dir.path(), {{"TORCHLAB_TEST_DIST_MAX_STEPS", "5"}}));  // stops mid-epoch
  ASSERT_EQ(train::RunDir::open(dir / "dp").checkpoints().back().filename(), "step-000000000005.ckpt");
  ASSERT_TRUE(train_two_ranks(dir.path(), {{"TORCHLAB_TEST_DIST_RESUME", "1"}}));
  expect_same_params(dir.path(), train_on_the_union(dir.path()));
}

TEST(DataParallel, RanksStartingFromDifferentStepsAreStopped) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  ASSERT_TRUE(train_two_ranks(dir.path(), {{"TORCHLAB_TEST_DIST_MAX_STEPS", "5"}}));
  // Rank 1 does not see the checkpoint (as on a machine without the shared filesystem): both must refuse to go on.
  const int port = dist::free_port();
  std::vector<dist_test::Proc> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.push_back(spawn_rank("DistWorker.Run", r, 2, port,
                               {{"TORCHLAB_TEST_DIST_MODE", "train"},
                                {"TORCHLAB_TEST_DIST_ROOT", dir.path().string()},
                                {"TORCHLAB_TEST_DIST_RESUME", "1"},
                                {"TORCHLAB_TEST_DIST_RESUME_RANKS", "0"},
                                {"TORCHLAB_DIST_TIMEOUT", "20"}},
                               dir / ("log-" + std::to_string(r))));
  for (auto& p : ranks) {
    const int status = dist_test::wait_for(p.pid, 60s);
    const auto log = read_text(p.log);
    EXPECT_EQ(dist_test::exit_code(status), 2) << log;
    EXPECT_NE(log.find("the ranks start from different steps"), std::string::npos) << log;
  }
}

TEST(DataParallel, CtrlCOnOneRankStopsBothAfterTheSameStep) {
#ifndef TORCHLAB_HAVE_GLOO
  GTEST_SKIP() << "needs the gloo backend (CPU)";
#endif
  TempDir dir;
  const int port = dist::free_port();
  std::vector<dist_test::Proc> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.push_back(spawn_rank("DistWorker.Run", r, 2, port,
                               {{"TORCHLAB_TEST_DIST_MODE", "forever"},
                                {"TORCHLAB_TEST_DIST_ROOT", dir.path().string()},
                                {"TORCHLAB_DIST_TIMEOUT", "20"}},
                               dir / ("log-" + std::to_string(r))));
  ASSERT_TRUE(dist_test::wait_for_file(dir / "ready-0", 60s));
  ASSERT_TRUE(dist_test::wait_for_file(dir / "ready-1", 60s));
  ::kill(ranks[1].pid, SIGINT);  // rank 1 alone: the agreement must stop rank 0 too
  std::vector<int64_t> stopped;
  for (auto& p : ranks) {
    const int status = dist_test::wait_for(p.pid, 30s);
    const auto log = read_text(p.log);
    ASSERT_EQ(dist_test::exit_code(status), 130) << log;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(log, m, std::regex("interrupted at step (\\d+)"))) << log;
    stopped.push_back(std::stoll(m[1]));
  }
  EXPECT_EQ(stopped[0], stopped[1]);
  const auto run = train::RunDir::open(dir / "dp");
  ASSERT_FALSE(run.checkpoints().empty());
  EXPECT_EQ(run.checkpoints().back(), run.checkpoint_path(stopped[0]));
}
