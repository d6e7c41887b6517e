#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <functional>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/train/run_dir.h"

using namespace torchlab;
using namespace torchlab::train;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;

namespace {

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(RunLock, OneWriterAtATimeReadersFree) {
  TempDir dir;
  const std::string me = "pid " + std::to_string(::getpid()) + ", started ";
  {
    auto writer = RunDir::create(dir.path(), "r", "toy", false, {{"a", 1}});
    EXPECT_TRUE(writer.locked());
    EXPECT_EQ(read_text(writer.lock_path()).rfind(me, 0), 0u) << read_text(writer.lock_path());
    // flock conflicts between two open files even in one process: a second writer of any kind is refused.
    for (const auto& second :
         std::vector<std::function<void()>>{[&] { RunDir::open_to_write(dir / "r"); },
                                            [&] {
                                              RunDir::create(dir.path(), "r", "toy", true, {{"a", 2}});
                                            },
                                            [&] {
                                              RunDir::create(dir.path(), "r", "toy", false, {{"a", 2}});
                                            }}) {
      const auto why = refusal(second);
      EXPECT_NE(why.find("is being trained by another process (" + me), std::string::npos) << why;
      EXPECT_NE(why.find(" UTC on "), std::string::npos) << why;
    }
    EXPECT_EQ(writer.config()["a"], 1);  // the refused overwrite emptied nothing
    const auto reader = RunDir::open(dir / "r");
    EXPECT_FALSE(reader.locked());
    const auto copy = writer;  // copies share the lock: it lasts while any copy lives
    (void)copy;
  }
  auto next = RunDir::open_to_write(dir / "r");  // the last copy closed the lock
  EXPECT_TRUE(next.locked());
}

TEST(RunLock, OverwriteKeepsTheLockFileAndEmptiesTheRest) {
  TempDir dir;
  RunDir::create(dir.path(), "r", "toy", false, {{"a", 1}}).save_text("old", "x");
  auto again = RunDir::create(dir.path(), "r", "toy", true, {{"a", 2}});
  EXPECT_FALSE(std::filesystem::exists(again.samples_dir() / "old.txt"));
  EXPECT_TRUE(std::filesystem::exists(again.lock_path()));
  EXPECT_EQ(again.config()["a"], 2);
}

TEST(RunLock, WriterRemovesTempFilesAKilledWriterLeft) {
  TempDir dir;
  RunDir::create(dir.path(), "r", "toy", false, {});
  const auto stale = dir / "r" / "checkpoints" / ".step-000000000003.ckpt.tmp-AbC123";
  const auto kept = dir / "r" / "checkpoints" / "step-000000000002.ckpt";
  write_text(stale, "half");
  write_text(kept, "whole");
  RunDir::open(dir / "r");  // a reader leaves them
  EXPECT_TRUE(std::filesystem::exists(stale));
  RunDir::open_to_write(dir / "r");
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(kept));
}

TEST(RunLock, RunsFolderThatIsAFileIsAUserError) {
  TempDir dir;
  write_text(dir / "file", "not a folder");
  const auto why = refusal([&] { RunDir::create(dir / "file", "r", "toy", false, {}); });
  EXPECT_NE(why.find("is a file, not a folder"), std::string::npos) << why;
  const auto deeper = refusal([&] { RunDir::create(dir / "file" / "sub", "r", "toy", false, {}); });
  EXPECT_NE(deeper.find("cannot create the folder"), std::string::npos) << deeper;
  const auto resume = refusal([&] { RunDir::open_to_write(dir / "file"); });
  EXPECT_NE(resume.find("is a file, not a run folder"), std::string::npos) << resume;
  EXPECT_EQ(read_text(dir / "file"), "not a folder");
}
