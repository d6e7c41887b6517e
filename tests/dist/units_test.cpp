// Single-process pieces: sharding, the environment, backend errors, gradient buckets on a one-rank group, resume
// with another world size.
#include <gtest/gtest.h>

#include <set>

#include "dist/worker_main.h"
#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/dist/data_parallel.h"
#include "torchlab/dist/env.h"
#include "torchlab/dist/grad_sync.h"

using namespace torchlab;
using testing_support::TempDir;

namespace {

// Batch i of epoch e is {tensor(e * 1000 + position of i in the epoch's shuffled order)}.
class Numbered : public train::BatchSource {
 public:
  explicit Numbered(int64_t n) : order_(n) {}
  int64_t batches_per_epoch() const override { return static_cast<int64_t>(order_.size()); }
  void set_epoch(int64_t epoch) override {
    epoch_ = epoch;
    std::iota(order_.begin(), order_.end(), 0);
    std::mt19937 rng(static_cast<unsigned>(epoch));
    std::shuffle(order_.begin(), order_.end(), rng);
  }
  train::Batch batch(int64_t i) override { return {torch::tensor(epoch_ * 1000 + order_.at(i))}; }

 private:
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_.empty())
      unsetenv(name_);
    else
      setenv(name_, old_.c_str(), 1);
  }

 private:
  const char* name_;
  std::string old_;
};

}  // namespace

TEST(ShardedSource, RanksCoverTheEpochDisjointlyInTheSameOrder) {
  Numbered inner(11);
  for (int world : {1, 2, 3, 4}) {
    for (int64_t epoch : {1, 2}) {
      std::vector<int64_t> seen;
      inner.set_epoch(epoch);
      std::vector<int64_t> expected;
      for (int64_t i = 0; i < 11 / world * world; ++i) expected.push_back(inner.batch(i)[0].item<int64_t>());
      std::set<int64_t> all;
      for (int rank = 0; rank < world; ++rank) {
        Numbered mine(11);
        dist::ShardedSource shard(mine, rank, world);
        EXPECT_EQ(shard.batches_per_epoch(), 11 / world);  // the same count on every rank
        shard.set_epoch(epoch);
        for (int64_t i = 0; i < shard.batches_per_epoch(); ++i) {
          const auto v = shard.batch(i)[0].item<int64_t>();
          EXPECT_EQ(v, expected[i * world + rank]);  // rank r takes batches r, r + W, ...
          EXPECT_TRUE(all.insert(v).second) << "batch " << v << " read twice";
        }
      }
      EXPECT_EQ(all.size(), expected.size());  // together: the epoch's first 11 - 11 % W batches, none twice
    }
  }
  Numbered two(2);
  EXPECT_THROW(dist::ShardedSource(two, 0, 3), UserError);  // fewer batches than ranks
}

TEST(DistEnv, AbsentMeansOneProcess) {
  ScopedEnv a("RANK", nullptr), b("WORLD_SIZE", nullptr), c("TORCHLAB_DIST_TIMEOUT", nullptr);
  const auto env = dist::Env::from_environment();
  EXPECT_FALSE(env.present);
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.timeout.count(), 60000);
}

TEST(DistEnv, ReadsTorchrunVariables) {
  ScopedEnv a("RANK", "3"), b("WORLD_SIZE", "4"), c("LOCAL_RANK", "1"), d("MASTER_ADDR", "10.0.0.7"),
      e("MASTER_PORT", "29511"), f("TORCHLAB_DIST_TIMEOUT", "2.5"), g("LOCAL_WORLD_SIZE", "2");
  const auto env = dist::Env::from_environment();
  EXPECT_TRUE(env.present);
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
  EXPECT_EQ(env.master_addr, "10.0.0.7");
  EXPECT_EQ(env.master_port, 29511);
  EXPECT_EQ(env.timeout.count(), 2500);
}

TEST(DistEnv, BadValuesNameTheVariable) {
  {
    ScopedEnv a("RANK", "4"), b("WORLD_SIZE", "4");
    EXPECT_THROW(dist::Env::from_environment(), UserError);
  }
  {
    ScopedEnv a("RANK", "0"), b("WORLD_SIZE", nullptr);
    try {
      dist::Env::from_environment();
      FAIL();
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("WORLD_SIZE"), std::string::npos);
    }
  }
  {
    ScopedEnv a("TORCHLAB_DIST_TIMEOUT", "soon");
    EXPECT_THROW(dist::Env::from_environment(), UserError);
  }
  EXPECT_EQ(dist::parse_host_port("node0:29500", "--master"), std::make_pair(std::string("node0"), 29500));
  EXPECT_EQ(dist::parse_host_port("[::1]:80", "--master"), std::make_pair(std::string("::1"), 80));
  EXPECT_THROW(dist::parse_host_port("node0", "--master"), UserError);
  EXPECT_THROW(dist::parse_host_port("node0:99999", "--master"), UserError);
}

TEST(DistBackends, AMissingOneIsAUserErrorListingThoseCompiledIn) {
  dist::Env env;
  env.backend = "mpi";
  EXPECT_THROW(dist::Context{env}, UserError);
#ifndef TORCHLAB_HAVE_NCCL
  env.backend = "nccl";
  try {
    dist::Context context(env);
    FAIL();
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("nccl is not compiled into this build"), std::string::npos) << msg;
#ifdef TORCHLAB_HAVE_GLOO
    EXPECT_NE(msg.find("compiled in: gloo"), std::string::npos) << msg;
#endif
  }
#endif
}

#ifdef TORCHLAB_HAVE_GLOO
TEST(GradientSync, BucketsAverageAndCarryTheFlagOnAOneRankGroup) {
  dist::Env env;
  env.present = true;
  env.master_port = dist::free_port();
  env.timeout = std::chrono::seconds(10);
  dist::Context context(env);
  auto a = torch::randn({5}, torch::requires_grad()), b = torch::randn({3, 2}, torch::requires_grad()),
       c = torch::randn({4}, torch::requires_grad());
  (a.sum() * 2 + (b * b).sum()).backward();  // c gets no gradient
  const auto ga = a.grad().clone(), gb = b.grad().clone();
  dist::GradientSync sync(context, {a, b, c}, 6 * 4);  // at most 6 floats a bucket: {a}, {b}, {c}
  EXPECT_EQ(sync.buckets(), 3u);
  EXPECT_EQ(sync.bytes_per_step(), (5 + 6 + 4 + 1) * 4);  // + the flag
  EXPECT_EQ(sync.sync("test all-reduce", 1), 1);
  EXPECT_EQ(context.backend(), "gloo");
  EXPECT_TRUE(torch::equal(a.grad(), ga));  // the mean over one rank
  EXPECT_TRUE(torch::equal(b.grad(), gb));
  ASSERT_TRUE(c.grad().defined());
  EXPECT_TRUE(torch::equal(c.grad(), torch::zeros({4})));
  EXPECT_EQ(sync.sync("test all-reduce", 0), 0);
}
#endif

TEST(DataParallel, ResumingWithAnotherWorldSizeIsRefused) {
  TempDir dir;
  auto net = dist_test::toy_model(1);
  auto sgd = std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.1));
  auto options = dist_test::toy_options(1);
  {
    train::Learner learner(train::RunDir::create(dir.path(), "r", "toy", false, {}), net, sgd, options);
    toy::wire(learner, net);
    learner.save_extra = [](Checkpoint& ckpt) { ckpt.meta["world_size"] = 2; };  // as a 2-process run writes
    toy::Source data(64, 16, 7);
    learner.fit(data);
  }
  dist::Context single{dist::Env{}};
  train::Learner learner(train::RunDir::open(dir / "r"), net, sgd, dist::configure(single, options));
  toy::wire(learner, net);
  toy::Source data(64, 16, 7);
  auto shard = dist::attach(single, learner, *net, data);
  try {
    learner.resume();
    FAIL() << "resumed a 2-process checkpoint in 1 process";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("resume it with the same number (torchlab launch --nproc 2)"),
              std::string::npos)
        << e.what();
  }
  // Resumed before attach: attach checks the checkpoint the Learner loaded.
  train::Learner early(train::RunDir::open(dir / "r"), net, sgd, dist::configure(single, options));
  toy::wire(early, net);
  ASSERT_TRUE(early.resume());
  EXPECT_THROW(dist::attach(single, early, *net, data), UserError);
}

#ifdef TORCHLAB_HAVE_NCCL
TEST(GradientSync, OneRankNcclGroupOnTheGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  dist::Env env;
  env.present = true;
  env.master_port = dist::free_port();
  env.timeout = std::chrono::seconds(30);
  dist::Context context(env);
  auto a = torch::randn({1000}, torch::TensorOptions().device(torch::kCUDA).requires_grad(true));
  (a * a).sum().backward();
  const auto ga = a.grad().clone();
  dist::GradientSync sync(context, {a});
  EXPECT_EQ(sync.sync("test all-reduce", 1), 1);
  EXPECT_EQ(context.backend(), "nccl");
  EXPECT_TRUE(torch::equal(a.grad(), ga));
  auto cpu = torch::tensor({2.5}, torch::kFloat64);
  context.allreduce_sum({cpu}, "a CPU tensor through the NCCL group");
  EXPECT_EQ(cpu.item<double>(), 2.5);
  context.barrier("barrier");
}
#endif
