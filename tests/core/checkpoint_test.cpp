#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"

using namespace torchlab;
using testing_support::TempDir;

namespace {

struct Net : torch::nn::Module {
  Net(int in, int hidden) {
    fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
    bn = register_module("bn", torch::nn::BatchNorm1d(hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, 2));
  }
  torch::Tensor forward(torch::Tensor x) { return fc2(torch::relu(bn(fc1(x)))); }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};

std::string what_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(Checkpoint, RoundTripsModelOptimizerRngAndMeta) {
  TempDir dir;
  torch::manual_seed(1);
  auto net = std::make_shared<Net>(3, 8);
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(0.01));
  auto x = torch::randn({16, 3});
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    net->forward(x).pow(2).mean().backward();
    adam.step();
  }
  Checkpoint ckpt;
  ckpt.meta["kind"] = "toy";
  ckpt.meta["vocab"] = {"a", "b"};
  put_module(ckpt, "model", *net);
  put_optimizer(ckpt, "optimizer", adam);
  put_torch_rng(ckpt);
  std::mt19937_64 engine(99);
  engine();
  put_engine(ckpt, "rng.data", engine);
  save_checkpoint(ckpt, dir / "a.ckpt");
  const auto expected_next = torch::randn({5});

  torch::manual_seed(2);
  auto other = std::make_shared<Net>(3, 8);
  torch::optim::Adam adam2(other->parameters(), torch::optim::AdamOptions(0.01));
  auto loaded = load_checkpoint(dir / "a.ckpt", "toy");
  EXPECT_EQ(loaded.meta["vocab"][1], "b");
  EXPECT_EQ(loaded.meta["format_version"], kCheckpointFormatVersion);
  load_module(loaded, "model", *other);
  load_optimizer(loaded, "optimizer", adam2);
  restore_torch_rng(loaded);
  EXPECT_TRUE(torch::equal(torch::randn({5}), expected_next));
  std::mt19937_64 engine2;
  load_engine(loaded, "rng.data", engine2);
  EXPECT_EQ(engine2(), engine());
  for (size_t i = 0; i < net->parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(net->parameters()[i], other->parameters()[i]));
  EXPECT_TRUE(torch::equal(net->bn->running_mean, other->bn->running_mean));
  // Same optimizer state: one more identical step gives identical parameters.
  for (auto* pair : {&adam, &adam2}) (void)pair;
  adam.zero_grad();
  net->forward(x).pow(2).mean().backward();
  adam.step();
  adam2.zero_grad();
  other->forward(x).pow(2).mean().backward();
  adam2.step();
  for (size_t i = 0; i < net->parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(net->parameters()[i], other->parameters()[i]));
}

TEST(Checkpoint, ShapeMismatchNamesTheTensorAndBothShapes) {
  TempDir dir;
  Net small(3, 8), big(3, 16);
  Checkpoint ckpt;
  ckpt.meta["kind"] = "toy";
  put_module(ckpt, "model", small);
  save_checkpoint(ckpt, dir / "a.ckpt");
  auto loaded = load_checkpoint(dir / "a.ckpt");
  const auto before = big.fc1->weight.clone();
  const auto msg = what_of([&] { load_module(loaded, "model", big); });
  EXPECT_NE(msg.find("'model.fc1.weight' has shape [8, 3] in the checkpoint but [16, 3] in the model"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(torch::equal(before, big.fc1->weight)) << "nothing is touched before all shapes are checked";
}

TEST(Checkpoint, KindMismatchAndMissingFileAreClearErrors) {
  TempDir dir;
  Checkpoint ckpt;
  ckpt.meta["kind"] = "dqn";
  save_checkpoint(ckpt, dir / "a.ckpt");
  EXPECT_NE(what_of([&] { load_checkpoint(dir / "a.ckpt", "char-rnn"); }).find("is a 'dqn' checkpoint"),
            std::string::npos);
  EXPECT_NE(what_of([&] { load_checkpoint(dir / "none.ckpt"); }).find("does not exist"), std::string::npos);
}

TEST(Checkpoint, TruncatedOrCorruptFilesAreDetected) {
  TempDir dir;
  Net net(3, 8);
  Checkpoint ckpt;
  ckpt.meta["kind"] = "toy";
  put_module(ckpt, "model", net);
  save_checkpoint(ckpt, dir / "a.ckpt");
  const auto bytes = testing_support::read_text(dir / "a.ckpt");
  for (size_t cut : {size_t(0), size_t(5), bytes.size() / 2, bytes.size() - 1}) {
    testing_support::write_text(dir / "t.ckpt", bytes.substr(0, cut));
    const auto msg = what_of([&] { load_checkpoint(dir / "t.ckpt"); });
    EXPECT_TRUE(msg.find("corrupt") != std::string::npos || msg.find("not a torchlab checkpoint") != std::string::npos)
        << cut << ": " << msg;
  }
  auto flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  testing_support::write_text(dir / "f.ckpt", flipped);
  EXPECT_NE(what_of([&] { load_checkpoint(dir / "f.ckpt"); }).find("checksum mismatch"), std::string::npos);
}

// Child half of the next test: writes big checkpoints over one path forever.
TEST(CheckpointChild, WriteForever) {
  const char* target = std::getenv("TORCHLAB_TEST_WRITE_FOREVER");
  if (!target) GTEST_SKIP() << "helper run by Checkpoint.KilledWriterLeavesPreviousFileLoadable";
  Checkpoint ckpt;
  ckpt.meta["kind"] = "toy";
  for (int64_t i = 0;; ++i) {
    ckpt.meta["generation"] = i;
    ckpt.tensors["big"] = torch::full({8 << 20}, static_cast<float>(i));  // 32 MB: a write takes a while
    save_checkpoint(ckpt, target);
  }
}

TEST(Checkpoint, KilledWriterLeavesPreviousFileLoadable) {
  TempDir dir;
  const auto path = dir / "live.ckpt";
  Checkpoint first;
  first.meta["kind"] = "toy";
  first.meta["generation"] = -1;
  save_checkpoint(first, path);
  int64_t newest = -1;
  for (int round = 0; round < 3; ++round) {
    const pid_t pid = fork();
    if (pid == 0) {
      setenv("TORCHLAB_TEST_WRITE_FOREVER", path.c_str(), 1);
      execl("/proc/self/exe", "child", "--gtest_filter=CheckpointChild.WriteForever", nullptr);
      _exit(127);
    }
    usleep(400000 + round * 150000);  // kill it mid-write
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    auto ckpt = load_checkpoint(path, "toy");  // whatever generation, it is complete
    newest = std::max<int64_t>(newest, ckpt.meta["generation"].get<int64_t>());
    if (ckpt.tensors.count("big")) {
      const float g = ckpt.meta["generation"].get<float>();
      EXPECT_TRUE(torch::all(ckpt.tensors["big"] == g).item<bool>());
    }
  }
}
