// Crash soak: char-rnn training that checkpoints every step is SIGKILLed at random moments and resumed each time.
// Every resume must find a loadable checkpoint (no fallback to an older one), and each run that reaches its end must
// hold parameters bit-identical to an uninterrupted run's. Each attempt is a forked child running train_char_rnn,
// what `torchlab char-rnn train` runs, without the seconds of loading libtorch per process, so that 100 kills fit in
// the suite's time. TORCHLAB_SOAK_KILLS (default 100) and TORCHLAB_SOAK_EPOCHS (default 2) size it; scripts/soak.sh
// (make soak) runs it longer. RunLockCli kills the CLI process itself.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/text/char_rnn_task.h"

using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;
using namespace torchlab;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : fallback;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A text drawn from a small alphabet (a fixed seed: every run reads the same text).
std::string random_text(size_t n) {
  std::mt19937 rng(5);
  const std::string alphabet = "abcdefgh ijklmn.\n";
  std::string s(n, ' ');
  for (auto& c : s) c = alphabet[rng() % alphabet.size()];
  return s;
}

std::vector<fs::path> step_checkpoints(const fs::path& run) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(run / "checkpoints", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("step-", 0) == 0 && it->path().extension() == ".ckpt") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, torch::Tensor> final_parameters(const fs::path& run) {
  const auto list = step_checkpoints(run);
  if (list.empty()) return {};
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, t] : load_checkpoint(list.back(), "char-rnn").tensors)
    if (name.rfind("model.", 0) == 0) out[name] = t;
  return out;
}

// Starts a child that trains run `name` (new, or resumed), stderr into `err`. Exit 0 when done, 2 on an error.
pid_t start_training(const fs::path& root, const std::string& name, bool resume, int64_t epochs, int64_t max_steps,
                     const fs::path& err, int keep_checkpoints = 2) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  int code = 0;
  try {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    text::TrainRequest r;
    r.config = text::preset_config("default");
    r.config.input = (root / "t.txt").string();
    r.config.model.hidden = 8;
    r.config.seq_len = 16;
    r.config.batch_size = 4;
    r.config.epochs = epochs;
    r.config.sample_length = 0;
    r.runs_dir = root / "runs";
    r.run = name;
    if (resume) r.resume = root / "runs" / name;
    r.quiet = true;
    r.write_report = false;
    r.max_steps = max_steps;
    r.checkpoint_every_steps = 1;
    r.keep_checkpoints = keep_checkpoints;
    r.print = [](const std::string&) {};
    text::train_char_rnn(r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    code = 2;
  }
  std::fflush(stderr);
  ::_exit(code);
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// What the next resume starts from: every tensor (model, RNG states), the blobs and the progress counters. Empty when
// `got` holds the same training state as `want`, else the first difference.
std::string state_difference(const Checkpoint& want, const Checkpoint& got) {
  const auto& w = want.meta.at("progress");
  const auto& g = got.meta.at("progress");
  // A kill between the last step's checkpoint and the epoch-end one (same file) leaves the epoch not yet closed.
  const bool epoch_not_closed =
      g.at("step") == w.at("step") && g.at("epoch").get<int64_t>() + 1 == w.at("epoch") && w.at("batch_in_epoch") == 0;
  if (g != w && !epoch_not_closed) return "progress " + g.dump() + ", expected " + w.dump();
  if (want.tensors.size() != got.tensors.size()) return "a different set of tensors";
  for (const auto& [key, tensor] : want.tensors) {
    const auto it = got.tensors.find(key);
    if (it == got.tensors.end()) return "no tensor " + key;
    if (!torch::equal(tensor, it->second)) return "tensor " + key;
  }
  for (const auto& [key, blob] : want.blobs) {
    // libtorch keys the optimizer archive's state by parameter addresses, so its bytes differ from process to
    // process; a wrong Adam state shows in the parameters of the next step's checkpoint, which is compared too.
    if (key == "optimizer") continue;
    const auto it = got.blobs.find(key);
    if (it == got.blobs.end() || it->second != blob) return "blob " + key;
  }
  return "";
}

std::string step_name(const fs::path& checkpoint) { return checkpoint.filename().string(); }

}  // namespace

// Each kill's newest checkpoint is compared with the uninterrupted run's at the same step, so a divergence is caught
// at the kill that made it. (This is how the library's missing seeding was found: train_char_rnn drew its initial
// weights from whatever state the process's generator was in, which only the CLI had seeded from the config.)
TEST(CrashSoak, KilledAtRandomMomentsResumesToBitIdenticalParameters) {
  torch::set_num_threads(1);  // no OpenMP pool in this process: children are forked from it
  const int64_t kills_wanted = env_int("TORCHLAB_SOAK_KILLS", 100);
  const int64_t epochs = env_int("TORCHLAB_SOAK_EPOCHS", 2);
  TempDir dir;
  write_text(dir / "t.txt", random_text(1200));
  const auto err = dir / "err.txt";

  // The uninterrupted reference, and how long a child takes to start and do one step.
  auto t0 = Clock::now();
  ASSERT_EQ(wait_exit(start_training(dir.path(), "one", false, epochs, 1, err)), 0) << read_text(err);
  const double first_step_s = seconds_since(t0);
  t0 = Clock::now();
  ASSERT_EQ(wait_exit(start_training(dir.path(), "ref", false, epochs, 0, err, 1 << 20)), 0) << read_text(err);
  const double full_s = seconds_since(t0);
  std::map<std::string, Checkpoint> reference_at;  // by file name: the state after each step of the uninterrupted run
  for (const auto& path : step_checkpoints(dir / "runs" / "ref")) reference_at[step_name(path)] = load_checkpoint(path);
  const auto reference = final_parameters(dir / "runs" / "ref");
  ASSERT_FALSE(reference.empty());
  const int64_t steps =
      load_checkpoint(step_checkpoints(dir / "runs" / "ref").back()).meta["progress"]["step"].get<int64_t>();
  ASSERT_GT(steps, 10);
  // Kill moments: uniform over a child's start and its first few steps, so kills land in training and in checkpoint
  // writes alike, and a run takes many kills to finish.
  const double step_s = std::max(1e-4, (full_s - first_step_s) / static_cast<double>(steps - 1));
  // A loaded machine starts children slower than the measurement said: the window grows while kills land before a
  // child gets a step done, so every run still finishes.
  double window_s = first_step_s + 3 * step_s;

  std::mt19937_64 rng(static_cast<uint64_t>(env_int("TORCHLAB_SOAK_SEED", 1)));
  std::uniform_real_distribution<double> unit(0, 1);
  int64_t kills = 0, runs_finished = 0;
  const auto soak_start = Clock::now();
  for (int chain = 0; kills < kills_wanted; ++chain) {
    const std::string name = "soak" + std::to_string(chain);
    // Each run starts with one uninterrupted step, so that every resume has a checkpoint to find.
    ASSERT_EQ(wait_exit(start_training(dir.path(), name, false, epochs, 1, err)), 0) << read_text(err);
    fs::path newest;
    int stalled = 0;
    for (;;) {
      const pid_t pid = start_training(dir.path(), name, true, epochs, 0, err);
      std::this_thread::sleep_for(std::chrono::duration<double>(unit(rng) * window_s));
      ::kill(pid, SIGKILL);
      const int code = wait_exit(pid);
      const auto log = read_text(err);
      // The resume found the newest checkpoint whole: no fallback warning, never "no checkpoint".
      ASSERT_EQ(log.find("warning:"), std::string::npos) << log;
      ASSERT_EQ(log.find("no checkpoint"), std::string::npos) << log;
      ASSERT_EQ(log.find("error:"), std::string::npos) << log;
      if (code == 0) break;  // it finished before the kill
      ASSERT_EQ(code, 128 + SIGKILL) << log;
      ++kills;
      const auto list = step_checkpoints(dir / "runs" / name);  // what the next resume will read
      ASSERT_FALSE(list.empty());
      if (list.back() == newest) {
        if (++stalled >= 5) window_s *= 1.5, stalled = 0;
      } else {
        newest = list.back(), stalled = 0;
      }
      ASSERT_LT(seconds_since(soak_start), 12.0 * static_cast<double>(std::max<int64_t>(kills_wanted, 100)))
          << kills << " kills, window " << window_s << " s: no progress";
      Checkpoint got;
      ASSERT_NO_THROW(got = load_checkpoint(list.back(), "char-rnn")) << list.back();
      // The state this kill left must be the uninterrupted run's at the same step: a difference is caught at the
      // kill that made it, with that attempt's log.
      ASSERT_EQ(reference_at.count(step_name(list.back())), 1u) << list.back();
      const auto difference = state_difference(reference_at.at(step_name(list.back())), got);
      ASSERT_EQ(difference, "") << name << ", kill " << kills << ": " << list.back()
                                << " differs from the uninterrupted "
                                << "run's in " << difference << "\nlog of the killed attempt:\n"
                                << log;
    }
    ++runs_finished;
    const auto got = final_parameters(dir / "runs" / name);
    ASSERT_EQ(got.size(), reference.size());
    for (const auto& [key, tensor] : reference)
      ASSERT_TRUE(torch::equal(tensor, got.at(key)))
          << name << ": " << key << " differs from the uninterrupted run, after " << kills << " kills";
    std::error_code ec;
    fs::remove_all(dir / "runs" / name, ec);
  }
  std::printf(
      "[ soak     ] %lld SIGKILLs over %lld runs of %lld steps, all resumed to bit-identical parameters, "
      "in %.1f s\n",
      static_cast<long long>(kills), static_cast<long long>(runs_finished), static_cast<long long>(steps),
      seconds_since(soak_start));
  EXPECT_GE(kills, kills_wanted);
}
