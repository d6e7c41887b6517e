#pragma once
// Helpers shared by the tests: temporary folders, running the CLI, reading files.
#include <filesystem>
#include <string>

namespace testing_support {

// A fresh empty folder under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the torchlab CLI with `args` (a shell-quoted string) in `cwd` (default: current), capturing both streams.
RunResult run_cli(const std::string& args, const std::filesystem::path& cwd = {});
// Runs any shell command the same way.
RunResult run_shell(const std::string& command, const std::filesystem::path& cwd = {});

std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace testing_support
