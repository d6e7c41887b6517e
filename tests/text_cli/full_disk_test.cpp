// A full disk in the middle of training: the run fails with a clear error and exit 2, and the checkpoint written
// before stays whole and loadable. Needs root and a tmpfs mount (skipped otherwise); always unmounts.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::TempDir;
using testing_support::write_text;
namespace fs = std::filesystem;

namespace {

// A small tmpfs mounted on a folder for the scope's life.
class SmallDisk {
 public:
  SmallDisk(const fs::path& where, const std::string& size) : where_(where) {
    fs::create_directories(where);
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", where.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  int64_t free_bytes() const {
    struct statvfs s {};
    ::statvfs(where_.c_str(), &s);
    return static_cast<int64_t>(s.f_bavail) * static_cast<int64_t>(s.f_frsize);
  }

 private:
  fs::path where_;
  bool mounted_ = false;
};

std::string text_of(size_t n) {
  const std::string unit = "Call me Ishmael. Some years ago, never mind how long precisely. ";
  std::string s;
  while (s.size() < n) s += unit;
  return s.substr(0, n);
}

}  // namespace

TEST(FullDisk, TrainingFailsClearlyAndKeepsThePreviousCheckpoint) {
  TempDir dir;
  SmallDisk disk(dir / "disk", "2m");
  if (!disk.mounted()) GTEST_SKIP() << "needs root and mount -t tmpfs";
  write_text(dir / "t.txt", text_of(3000));
  const std::string runs = " --runs-dir '" + (dir / "disk").string() + "'";
  const std::string tiny = " --hidden 32 --seq-len 16 --batch-size 8 --sample-length 0 --threads 1 --quiet";
  const auto first = run_cli("char-rnn train --input t.txt --run r --epochs 1" + tiny + runs, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto ckpt_dir = dir / "disk" / "r" / "checkpoints";
  std::vector<fs::path> before;
  for (const auto& e : fs::directory_iterator(ckpt_dir)) before.push_back(e.path());
  std::sort(before.begin(), before.end());
  ASSERT_FALSE(before.empty());
  const fs::path previous = before.back().filename() == "best.ckpt" ? before.front() : before.back();
  const std::string previous_bytes = read_text(previous);
  ASSERT_GT(previous_bytes.size(), 16000u);  // a checkpoint needs more room than is left below

  // Fill the disk, leaving 12 KiB: room for config.json and metrics, not for a checkpoint.
  {
    std::ofstream filler(dir / "disk" / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (int64_t left = disk.free_bytes() - 12 * 1024; left > 0; left -= 4096) filler << block;
  }
  const auto r =
      run_cli("char-rnn train --resume r --epochs 3 --checkpoint-every 1" + runs + " --threads 1 --quiet", dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the disk is full"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;

  // The checkpoint from before is untouched and loads; no temp file is left behind.
  EXPECT_EQ(read_text(previous), previous_bytes);
  EXPECT_NO_THROW(torchlab::load_checkpoint(previous, "char-rnn"));
  for (const auto& e : fs::directory_iterator(ckpt_dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}
