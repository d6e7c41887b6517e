#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace testing_support {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("torchlab-test-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

RunResult run_shell(const std::string& command, const std::filesystem::path& cwd) {
  TempDir tmp;
  const auto out = tmp / "out", err = tmp / "err";
  std::string cmd = command + " >" + out.string() + " 2>" + err.string() + " </dev/null";
  if (!cwd.empty()) cmd = "cd '" + cwd.string() + "' && " + cmd;
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

RunResult run_cli(const std::string& args, const std::filesystem::path& cwd) {
  return run_shell(std::string("'") + TORCHLAB_CLI + "' " + args, cwd);
}

}  // namespace testing_support
