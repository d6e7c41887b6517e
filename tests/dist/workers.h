#pragma once
// Starts ranks of a data-parallel group as fresh processes of this test binary (fork + exec right away: never fork
// without exec after torch has run), each running one gtest filter with torchrun's environment.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace dist_test {

struct Proc {
  pid_t pid = -1;
  std::filesystem::path log;  // stdout + stderr
};

inline Proc spawn_rank(const std::string& filter, int rank, int world, int port,
                       const std::map<std::string, std::string>& extra, const std::filesystem::path& log) {
  std::map<std::string, std::string> env = extra;
  env["RANK"] = std::to_string(rank);
  env["LOCAL_RANK"] = std::to_string(rank);
  env["WORLD_SIZE"] = std::to_string(world);
  env["LOCAL_WORLD_SIZE"] = std::to_string(world);
  env["MASTER_ADDR"] = "127.0.0.1";
  env["MASTER_PORT"] = std::to_string(port);
  std::vector<std::string> strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) strings.push_back(kv);
  }
  for (const auto& [k, v] : env) strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string filter_arg = "--gtest_filter=" + filter;
  std::string exe = "/proc/self/exe", name = "rank" + std::to_string(rank);
  char* argv[] = {name.data(), filter_arg.data(), nullptr};
  const std::string log_path = log.string();
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execve(exe.c_str(), argv, envp.data());
    ::_exit(127);
  }
  return {pid, log};
}

// Waits for the process up to `limit`; returns its wait status, or -1 after killing it when the limit passed.
inline int wait_for(pid_t pid, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

inline bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

inline int exit_code(int status) { return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace dist_test
