#include "torchlab/train/learner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/train/interrupt.h"
#include "toy.h"

using namespace torchlab;
using namespace torchlab::train;
using testing_support::TempDir;
using toy::Source;

namespace {

struct Trained {
  std::vector<torch::Tensor> params;
  Progress progress;
};

LearnerOptions quiet_options(int64_t epochs) {
  LearnerOptions o;
  o.epochs = epochs;
  o.quiet = true;
  o.write_report = false;
  o.log_every_steps = 5;
  return o;
}

// Trains the toy task in `dir`; with resume=true continues the run found there.
Trained train_toy(const std::filesystem::path& root, const std::string& name, LearnerOptions options, bool resume,
                  Source* valid = nullptr) {
  torch::manual_seed(123);
  auto net = toy::model();
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  auto run = resume ? RunDir::open(root / name) : RunDir::create(root, name, "toy", false, {{"task", "toy"}});
  Learner learner(run, net, adam, options);
  toy::wire(learner, net);
  if (resume) {
    EXPECT_TRUE(learner.resume());
  }
  toy::Source data(200, 16, 7);
  learner.fit(data, valid);
  Trained t;
  for (auto& p : net->parameters()) t.params.push_back(p.detach().clone());
  t.progress = learner.progress();
  return t;
}

}  // namespace

TEST(Learner, ResumeIsBitIdenticalToAnUninterruptedRun) {
  TempDir dir;
  const auto full = train_toy(dir.path(), "full", quiet_options(3), false);
  EXPECT_EQ(full.progress.step, 3 * 12);
  for (int64_t stop : {5, 12, 29}) {  // mid-epoch, at an epoch boundary, late in the last epoch
    const std::string name = "stopped" + std::to_string(stop);
    auto first = quiet_options(3);
    first.max_steps = stop;
    const auto part = train_toy(dir.path(), name, first, false);
    EXPECT_EQ(part.progress.step, stop);
    const auto resumed = train_toy(dir.path(), name, quiet_options(3), true);
    EXPECT_EQ(resumed.progress.step, full.progress.step);
    ASSERT_EQ(resumed.params.size(), full.params.size());
    for (size_t i = 0; i < full.params.size(); ++i)
      EXPECT_TRUE(torch::equal(resumed.params[i], full.params[i])) << "stop " << stop << " param " << i;
  }
}

TEST(Learner, WritesMetricsConfigAndKeepsLastKCheckpoints) {
  TempDir dir;
  auto o = quiet_options(4);
  o.checkpoints.keep_last = 2;
  Source valid(64, 16, 9);
  train_toy(dir.path(), "r", o, false, &valid);
  auto run = RunDir::open(dir / "r");
  EXPECT_EQ(run.config()["task"], "toy");
  const auto list = run.checkpoints();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].filename(), "step-000000000036.ckpt");
  EXPECT_EQ(list[1].filename(), "step-000000000048.ckpt");
  int train_rows = 0, valid_rows = 0;
  for (const auto& row : run.read_metrics()) {
    ASSERT_TRUE(row.contains("step") && row.contains("epoch") && row.contains("split") && row.contains("loss"));
    train_rows += row["split"] == "train";
    valid_rows += row["split"] == "valid";
  }
  EXPECT_EQ(train_rows, 48 / 5);
  EXPECT_EQ(valid_rows, 4);
}

TEST(Learner, KeepsTheBestCheckpointByAValidationMetric) {
  TempDir dir;
  auto o = quiet_options(3);
  o.checkpoints.keep_last = 1;
  o.checkpoints.best_metric = "loss";
  Source valid(64, 16, 9);
  train_toy(dir.path(), "r", o, false, &valid);
  auto run = RunDir::open(dir / "r");
  std::vector<double> losses;
  for (const auto& row : run.read_metrics())
    if (row["split"] == "valid") losses.push_back(row["loss"]);
  ASSERT_EQ(losses.size(), 3u);
  const auto best_epoch = std::min_element(losses.begin(), losses.end()) - losses.begin() + 1;
  auto best = load_checkpoint(run.checkpoints_dir() / "best.ckpt", "toy");
  EXPECT_EQ(best.meta["progress"]["step"], best_epoch * 12);
  EXPECT_DOUBLE_EQ(best.meta["progress"]["best"].get<double>(), losses[best_epoch - 1]);
}

// A resume reads the best score from the step checkpoint, so each one must carry the validation it was written after;
// one that did not made a resumed run write best.ckpt at its next validation whether or not it was better.
TEST(Learner, StepCheckpointsCarryTheBestScoreForAResume) {
  TempDir dir;
  auto o = quiet_options(3);
  o.checkpoints.keep_last = 3;
  o.checkpoints.best_metric = "loss";
  Source valid(64, 16, 9);
  train_toy(dir.path(), "r", o, false, &valid);
  auto run = RunDir::open(dir / "r");
  std::vector<double> losses;
  for (const auto& row : run.read_metrics())
    if (row["split"] == "valid") losses.push_back(row["loss"]);
  const auto list = run.checkpoints();
  ASSERT_EQ(list.size(), 3u);
  ASSERT_EQ(losses.size(), 3u);
  for (size_t epoch = 1; epoch <= 3; ++epoch) {
    const auto progress = load_checkpoint(list[epoch - 1], "toy").meta["progress"];
    EXPECT_EQ(progress["step"], 12 * static_cast<int64_t>(epoch));
    EXPECT_TRUE(progress["has_best"].get<bool>()) << list[epoch - 1];
    EXPECT_DOUBLE_EQ(progress["best"].get<double>(), *std::min_element(losses.begin(), losses.begin() + epoch));
  }
}

// A checkpoint whose CRC is right but whose metadata has the wrong types (written by hand or by another program) is
// a UserError naming the key, never nlohmann's type_error.
TEST(Learner, ResumeRefusesProgressOfTheWrongType) {
  TempDir dir;
  train_toy(dir.path(), "r", quiet_options(1), false);
  auto run = RunDir::open(dir / "r");
  const auto path = run.checkpoints().back();
  auto ckpt = load_checkpoint(path, "toy");
  ckpt.meta["progress"]["epoch"] = "two";
  save_checkpoint(ckpt, path);
  auto net = toy::model();
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  Learner learner(run, net, adam, quiet_options(2));
  toy::wire(learner, net);
  try {
    learner.resume();
    FAIL() << "resumed from a checkpoint with a string epoch";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("\"epoch\" is \"two\", expected an integer"), std::string::npos) << e.what();
  }
}

TEST(Learner, EarlyStoppingStopsAfterPatience) {
  TempDir dir;
  auto net = toy::model();
  auto sgd = std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.01));
  auto o = quiet_options(50);
  o.early_stopping.metric = "score";
  o.early_stopping.mode = Mode::Max;
  o.early_stopping.patience = 2;
  Learner learner(RunDir::create(dir.path(), "r", "toy", false, {}), net, sgd, o);
  toy::wire(learner, net);
  int validations = 0;
  // The score improves for 3 validations and then gets worse: stop after 3 + 2 validations.
  learner.valid_step = [&](const Batch& b) {
    StepResult r;
    r.value = 0;
    const int v = validations;
    r.metrics["score"] = v < 3 ? v : 3 - v;
    return r;
  };
  learner.on_epoch_end = [&](const EpochEnd&) { ++validations; };
  Source data(64, 16, 1), valid(16, 16, 2);
  learner.fit(data, &valid);
  EXPECT_TRUE(learner.progress().stopped_early);
  EXPECT_EQ(validations, 5);
  EXPECT_EQ(learner.progress().step, 5 * 4);
}

TEST(Learner, ClipsByValueAndByGlobalNorm) {
  auto a = torch::zeros({2}, torch::requires_grad());
  auto b = torch::zeros({1}, torch::requires_grad());
  a.mutable_grad() = torch::tensor({3.0f, -0.2f});
  b.mutable_grad() = torch::tensor({-4.0f});
  clip_grad_value({a, b}, 0.5);
  EXPECT_TRUE(torch::allclose(a.grad(), torch::tensor({0.5f, -0.2f})));
  EXPECT_TRUE(torch::allclose(b.grad(), torch::tensor({-0.5f})));
  a.mutable_grad() = torch::tensor({3.0f, 0.0f});
  b.mutable_grad() = torch::tensor({4.0f});  // global norm 5
  const double norm = clip_grad_norm({a, b}, 1.0);
  EXPECT_NEAR(norm, 5.0, 1e-6);
  EXPECT_NEAR(a.grad()[0].item<float>(), 0.6f, 1e-5);
  EXPECT_NEAR(b.grad()[0].item<float>(), 0.8f, 1e-5);
  a.mutable_grad() = torch::tensor({0.3f, 0.0f});
  b.mutable_grad() = torch::tensor({0.4f});
  clip_grad_norm({a, b}, 1.0);  // under the limit: unchanged
  EXPECT_NEAR(b.grad()[0].item<float>(), 0.4f, 1e-7);
}

TEST(Learner, LearningRateScheduleIsApplied) {
  TempDir dir;
  auto net = toy::model();
  auto sgd = std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet_options(1);
  o.lr_schedule = [](int64_t step) { return 1.0 / (1 + step); };
  Learner learner(RunDir::create(dir.path(), "r", "toy", false, {}), net, sgd, o);
  toy::wire(learner, net);
  Source data(64, 16, 1);
  learner.fit(data);
  EXPECT_NEAR(sgd->param_groups()[0].options().get_lr(), 0.1 / 4, 1e-12);  // the 4th step used step index 3
}

TEST(Learner, FallsBackToThePreviousCheckpointWhenTheNewestIsCorrupt) {
  TempDir dir;
  auto o = quiet_options(2);
  train_toy(dir.path(), "r", o, false);
  auto run = RunDir::open(dir / "r");
  auto list = run.checkpoints();
  ASSERT_EQ(list.size(), 2u);
  auto bytes = testing_support::read_text(list.back());
  testing_support::write_text(list.back(), bytes.substr(0, bytes.size() / 3));
  auto net = toy::model();
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  Learner learner(run, net, adam, o);
  toy::wire(learner, net);
  testing::internal::CaptureStderr();
  ASSERT_TRUE(learner.resume());
  const auto err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(learner.progress().step, 12);
  EXPECT_NE(err.find("warning"), std::string::npos);
  testing_support::write_text(list.front(), "junk");
  Learner again(run, net, adam, o);
  toy::wire(again, net);
  testing::internal::CaptureStderr();
  EXPECT_THROW(again.resume(), UserError);
  testing::internal::GetCapturedStderr();
}

TEST(RunDir, RefusesAnExistingRunUnlessOverwrite) {
  TempDir dir;
  RunDir::create(dir.path(), "r", "toy", false, {{"a", 1}});
  try {
    RunDir::create(dir.path(), "r", "toy", false, {{"a", 2}});
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos);
  }
  auto run = RunDir::create(dir.path(), "r", "toy", true, {{"a", 2}});
  EXPECT_EQ(run.config()["a"], 2);
  EXPECT_THROW(check_same_config({{"hidden", 256}}, {{"hidden", 128}}, {"hidden"}, run.dir()), UserError);
  EXPECT_NO_THROW(check_same_config({{"hidden", 256}}, {{"hidden", 256}}, {"hidden"}, run.dir()));
  auto generated = RunDir::create(dir.path(), "", "toy", false, {});
  EXPECT_EQ(generated.name().rfind("toy-", 0), 0u);
}

// Child half of the SIGINT test: trains slowly until interrupted.
TEST(LearnerChild, TrainUntilInterrupted) {
  const char* root = std::getenv("TORCHLAB_TEST_SIGINT_ROOT");
  if (!root) GTEST_SKIP() << "helper run by Learner.SigintWritesACheckpointAndExits130";
  auto net = toy::model();
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  auto o = quiet_options(1000);
  o.resume_hint = "resume-me";
  Learner learner(RunDir::create(root, "r", "toy", false, {}), net, adam, o);
  toy::wire(learner, net);
  auto step = learner.train_step;
  learner.train_step = [step](const Batch& b) {
    usleep(2000);
    return step(b);
  };
  Source data(200, 16, 7);
  try {
    learner.fit(data);
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fflush(stderr);
    _exit(130);
  }
  _exit(0);
}

TEST(Learner, SigintWritesACheckpointAndExits130) {
  TempDir dir;
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("TORCHLAB_TEST_SIGINT_ROOT", dir.path().c_str(), 1);
    execl("/proc/self/exe", "child", "--gtest_filter=LearnerChild.TrainUntilInterrupted", nullptr);
    _exit(127);
  }
  // Wait until training is under way (the run directory exists and a few steps ran).
  for (int i = 0; i < 200 && !std::filesystem::exists(dir / "r" / "metrics.jsonl"); ++i) usleep(20000);
  usleep(300000);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  auto run = RunDir::open(dir / "r");
  ASSERT_FALSE(run.checkpoints().empty());
  auto net = toy::model();
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  Learner learner(run, net, adam, quiet_options(1000));
  toy::wire(learner, net);
  ASSERT_TRUE(learner.resume());
  EXPECT_GT(learner.progress().step, 0);
}

namespace {

// A module of the user's own, not one of torchlab's.
struct Affine : torch::nn::Module {
  torch::Tensor w = register_parameter("w", torch::zeros({4, 1}));
  torch::Tensor b = register_parameter("b", torch::zeros({1}));
  torch::Tensor forward(const torch::Tensor& x) { return x.matmul(w) + b; }
};

// Records the events it sees, in order.
struct Recorder : Observer {
  std::vector<std::string> events;
  int64_t steps = 0;
  void on_fit_start(const FitStart& e) override { events.push_back("start@" + std::to_string(e.first_step)); }
  void on_step(const StepEvent&) override { ++steps; }
  void on_log(const LogEvent& e) override { events.push_back("log@" + std::to_string(e.step)); }
  void on_validation(const ValidationEvent& e) override { events.push_back("valid@" + std::to_string(e.step)); }
  void on_epoch_end(const EpochEnd& e) override { events.push_back("epoch" + std::to_string(e.epoch)); }
  void on_finish(const FinishEvent& e) override { events.push_back("finish@" + std::to_string(e.step)); }
};

std::vector<torch::Tensor> train_affine(std::optional<std::filesystem::path> root, Recorder* recorder) {
  torch::manual_seed(5);
  auto net = std::make_shared<Affine>();
  auto sgd = std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.05));
  auto options = quiet_options(2);
  options.log_every_steps = 6;
  std::unique_ptr<Learner> learner;
  if (root)
    learner = std::make_unique<Learner>(RunDir::create(*root, "affine", "", false, {}), net, sgd, options);
  else
    learner = std::make_unique<Learner>(net, sgd, options);
  learner->train_step = [net](const Batch& b) {
    StepResult r;
    r.loss = torch::mse_loss(net->forward(b[0]), b[1]);
    return r;
  };
  learner->valid_step = learner->train_step;
  if (recorder) learner->add_observer(std::shared_ptr<Observer>(recorder, [](Observer*) {}));
  toy::Source data(120, 10, 3), valid(40, 10, 4);
  learner->fit(data, &valid);
  std::vector<torch::Tensor> out;
  for (auto& p : net->parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST(Learner, TrainsAUserModuleInMemoryLikeOnDisk) {
  TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  Recorder recorder;
  const auto in_memory = train_affine(std::nullopt, &recorder);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "a Learner without a run directory wrote files";
  std::filesystem::current_path(cwd);
  const auto on_disk = train_affine(dir.path(), nullptr);
  ASSERT_EQ(in_memory.size(), 2u);
  for (size_t i = 0; i < in_memory.size(); ++i) EXPECT_TRUE(torch::equal(in_memory[i], on_disk[i]));
  // 12 steps an epoch, logs every 6, validation at each epoch end, all in the order the loop emits them.
  EXPECT_EQ(recorder.steps, 24);
  const std::vector<std::string> expected = {"start@0", "log@6",  "log@12",   "valid@12", "epoch1",
                                             "log@18",  "log@24", "valid@24", "epoch2",   "finish@24"};
  EXPECT_EQ(recorder.events, expected);
  EXPECT_GT(in_memory[0].abs().sum().item<double>(), 0.5);  // it learned: y = x . (1, -2, 0.5, 3)
}

TEST(Learner, InMemoryHasNoRunToResumeOrShow) {
  auto net = std::make_shared<Affine>();
  Learner learner(net, std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.1)),
                  quiet_options(1));
  EXPECT_FALSE(learner.has_run());
  EXPECT_THROW(learner.run(), std::logic_error);
  EXPECT_THROW(learner.resume(), std::logic_error);
}
