// Mistakes a new user makes, across the commands: each exits 2 with one clear line and writes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "support/test_support.h"
#include "vision/synthetic.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::RunResult;
using testing_support::TempDir;
using testing_support::write_text;
namespace fs = std::filesystem;

namespace {

// Every path under `dir`, with its size (a folder: -1). Run locks are left out: a refused resume may take the lock
// (rewriting its pid) before it finds the mistake.
std::set<std::pair<std::string, int64_t>> snapshot(const fs::path& dir) {
  std::set<std::pair<std::string, int64_t>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename() != ".lock")
      out.insert({fs::relative(e.path(), dir).string(), e.is_directory() ? -1 : static_cast<int64_t>(e.file_size())});
  return out;
}

std::set<std::string> snapshot_root() {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator("/")) out.insert(e.path().filename().string());
  return out;
}

std::string text_of(size_t n) {
  const std::string unit = "Call me Ishmael. Some years ago, never mind how long precisely. ";
  std::string s;
  while (s.size() < n) s += unit;
  return s.substr(0, n);
}

const char* kTiny = " --hidden 8 --seq-len 16 --batch-size 4 --sample-length 0 --threads 1 --quiet";

// A workspace with a text, an options CSV, a small dataset and a trained char-rnn run "a".
class BadInputs : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_text(*dir_ / "t.txt", text_of(3000));
    write_text(*dir_ / "in.csv", "type,forward,strike,vol,time,rate\ncall,100,100,0.3,1,0.01\n");
    fs::create_directories(*dir_ / "data");
    synthetic::write_dataset(*dir_ / "data", 300, 50, false);
    fs::create_directories(*dir_ / "folder");
    write_text(*dir_ / "plain-file", "x");
    const auto r = run_cli(std::string("char-rnn train --input t.txt --run a --epochs 1") + kTiny, dir_->path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path d() { return dir_->path(); }

  // Runs the CLI in the workspace: exit 2, one line naming `part`, no internal error, and nothing written.
  static void refused(const std::string& args, const std::string& part) {
    const auto before = snapshot(d());
    const RunResult r = run_cli(args, d());
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(part), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
    EXPECT_EQ(snapshot(d()), before) << args << ": wrote something";
  }
  static TempDir* dir_;
};
TempDir* BadInputs::dir_ = nullptr;

}  // namespace

TEST_F(BadInputs, RunsFolderThatIsAFile) {
  refused(std::string("char-rnn train --input t.txt --runs-dir plain-file") + kTiny, "is a file, not a folder");
  refused(std::string("char-rnn train --input t.txt --runs-dir plain-file/sub") + kTiny, "Not a directory");
  refused("dqn train --runs-dir plain-file --epochs 1 --episodes-per-epoch 2 --quiet", "is a file, not a folder");
  refused("qlearn train --runs-dir plain-file --episodes 10 --quiet", "is a file, not a folder");
  refused("mnist train --model linear --data data --valid-size 20 --runs-dir plain-file --quiet",
          "is a file, not a folder");
}

TEST_F(BadInputs, OutputThatIsAFolderOrInAMissingFolder) {
  refused("greeks --csv in.csv --out folder", "folder is a folder; give a file name");
  refused("greeks --csv in.csv --out folder/", "is a folder");
  refused("implied-vol --csv in.csv --out folder", "is a folder");
  refused("greeks --csv in.csv --out missing/out.csv", "the folder missing does not exist");
  refused("greeks --csv in.csv --out plain-file/out.csv", "plain-file is a file, not a folder");
  // The case: /tmp itself. Nothing may appear at the filesystem root.
  const auto root_before = snapshot_root();
  const auto r = run_cli("greeks --csv in.csv --out /tmp", d());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/tmp is a folder"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot_root(), root_before);
}

TEST_F(BadInputs, ModelTooBigForTheMachine) {
  refused(std::string("char-rnn train --input t.txt --hidden 2000000 --seq-len 16 --batch-size 4 --quiet"),
          "needs about ");
  const auto r = run_cli("char-rnn train --input t.txt --hidden 2000000 --seq-len 16 --batch-size 4 --quiet", d());
  EXPECT_NE(r.err.find(" TiB of memory (parameters "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" available ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("make --hidden"), std::string::npos) << r.err;
  refused("dqn train --replay 100000000000 --quiet", "needs about ");
  refused("dqn train --hidden 200000,200000 --quiet", "needs about ");
}

TEST_F(BadInputs, TrainingValuesThatCannotWork) {
  refused(std::string("char-rnn train --input folder") + kTiny, "folder is a folder");
  refused(std::string("char-rnn train --input t.txt --epochs 0") + kTiny, "--epochs 0: must be at least 1");
  refused(std::string("char-rnn train --input t.txt --epochs -2") + kTiny, "--epochs -2");
  refused("char-rnn train --input t.txt --hidden 8 --seq-len 16 --batch-size 100000 --quiet",
          "--batch-size 100000 is more than the ");
  refused("mnist train --model linear --data data --valid-size 20 --batch-size 1000 --quiet",
          "--batch-size 1000: is more than the 280 training images");
  refused("mnist train --model linear --data data --valid-size 300 --quiet", "--valid-size 300");
  refused("mnist train --model linear --data data --valid-size 20 --epochs -1 --quiet", "--epochs");
  refused("dqn train --epochs 0 --quiet", "--epochs 0: must be at least 1");
}

TEST_F(BadInputs, ResumeOfWhatIsNoRun) {
  refused("char-rnn train --resume nope --quiet", "does not exist");
  refused("char-rnn train --resume ./plain-file --quiet", "plain-file is a file, not a run folder");
  refused("char-rnn train --resume ./folder --quiet", "not a torchlab run directory (no config.json)");
  refused("mnist train --resume runs/a --quiet", "not an mnist run");
  refused("dqn train --resume runs/a --quiet", "is not a dqn run");
}

TEST_F(BadInputs, CorruptConfigJson) {
  const auto config = d() / "runs" / "a" / "config.json";
  const auto good = read_text(config);
  write_text(config, good.substr(0, good.size() / 2));
  refused("char-rnn train --resume a --quiet", "is not valid JSON");
  write_text(config, "{\"task\": \"mnist\", \"epochs\": \"ten\"}");
  refused("mnist train --resume runs/a --quiet", "\"epochs\" is \"ten\", expected an integer");
  write_text(config, "{\"task\": \"dqn\", \"hidden\": 5}");
  refused("dqn train --resume runs/a --quiet", "\"hidden\" is 5, expected a list");
  write_text(config, "[1, 2]");
  refused("char-rnn train --resume a --quiet", "holds a JSON array, expected an object");
  write_text(config, good);
}

TEST_F(BadInputs, ReadersGivenAFolderOrAFile) {
  refused("char-rnn sample --checkpoint folder", "folder is a folder, not a file");
  refused("report plain-file", "plain-file is a file, not a run folder");
  refused("greeks --csv folder --out out.csv", "folder is a folder, not a file");
}
