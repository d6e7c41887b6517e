#include "torchlab/dist/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <thread>

#include "torchlab/core/error.h"
#include "torchlab/dist/env.h"

extern char** environ;

namespace torchlab::dist {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<int> g_signals{0};
std::atomic<int> g_last_signal{0};
int g_wake_fd = -1;

extern "C" void on_launch_signal(int sig) {
  const int saved = errno;
  g_last_signal = sig;
  ++g_signals;
  if (g_wake_fd >= 0) (void)!::write(g_wake_fd, "x", 1);
  errno = saved;
}

extern "C" void on_child_exit(int) {
  const int saved = errno;
  if (g_wake_fd >= 0) (void)!::write(g_wake_fd, "c", 1);
  errno = saved;
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

void say(const std::string& line) { write_all(STDERR_FILENO, "torchlab launch: " + line + "\n"); }

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "stopped";
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// One stream of a prefixed worker: complete lines go out with "[rank N] " in front.
struct Stream {
  int fd = -1;
  int target = STDOUT_FILENO;
  std::string prefix, pending;

  void read_some() {
    char buf[8192];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      if (!pending.empty()) write_all(target, prefix + pending + "\n");
      pending.clear();
      ::close(fd);
      fd = -1;
      return;
    }
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0, nl;
    std::string out;
    while ((nl = pending.find('\n', start)) != std::string::npos) {
      out += prefix + pending.substr(start, nl - start + 1);
      start = nl + 1;
    }
    pending.erase(0, start);
    if (!out.empty()) write_all(target, out);
  }
};

struct Worker {
  int rank = 0;
  pid_t pid = -1;
  bool running = false;
  int status = 0;
  Stream out, err;
};

std::string self_executable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw UserError("cannot find this program's path (/proc/self/exe) to start the workers");
  return std::string(buf, static_cast<size_t>(n));
}

void validate(const LaunchOptions& o) {
  if (o.nproc < 1) throw UserError("--nproc " + std::to_string(o.nproc) + ": must be at least 1");
  if (o.nnodes < 1) throw UserError("--nnodes " + std::to_string(o.nnodes) + ": must be at least 1");
  if (o.node_rank < 0 || o.node_rank >= o.nnodes)
    throw UserError("--node-rank " + std::to_string(o.node_rank) + ": must be in 0.." + std::to_string(o.nnodes - 1));
  if (o.nnodes > 1 && o.master_port == 0)
    throw UserError("--nnodes " + std::to_string(o.nnodes) +
                    " needs --master HOST:PORT, the address of node 0 that every node can reach");
  if (o.command.empty())
    throw UserError("launch needs the command to run after --, e.g. torchlab launch --nproc 2 -- char-rnn train");
  if (o.command.front() == "launch") throw UserError("launch cannot launch itself: give the command after --");
}

}  // namespace

int launch(const LaunchOptions& options) {
  LaunchOptions o = options;
  validate(o);
  if (o.master_port == 0) o.master_port = free_port(o.master_addr);
  if (o.executable.empty()) o.executable = self_executable();
  const int world = o.nproc * o.nnodes;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // The environment of every worker: ours, minus what we set.
  std::map<std::string, std::string> common;
  common["WORLD_SIZE"] = std::to_string(world);
  common["LOCAL_WORLD_SIZE"] = std::to_string(o.nproc);
  common["GROUP_RANK"] = std::to_string(o.node_rank);
  common["MASTER_ADDR"] = o.master_addr;
  common["MASTER_PORT"] = std::to_string(o.master_port);
  if (o.timeout_s > 0) common["TORCHLAB_DIST_TIMEOUT"] = std::to_string(o.timeout_s);
  if (!o.backend.empty()) common["TORCHLAB_DIST_BACKEND"] = o.backend;
  if (!std::getenv("OMP_NUM_THREADS") && o.nproc > 1)
    common["OMP_NUM_THREADS"] = std::to_string(std::max(1, cores / o.nproc));

  int wake[2];
  if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) throw UserError(std::string("pipe: ") + std::strerror(errno));
  g_wake_fd = wake[1];
  g_signals = 0;
  struct sigaction sa {
  }, old_int, old_term;
  sa.sa_handler = on_launch_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  struct sigaction chld {
  }, old_chld;  // a worker's exit wakes the loop at once
  chld.sa_handler = on_child_exit;
  chld.sa_flags = SA_NOCLDSTOP;
  sigemptyset(&chld.sa_mask);
  ::sigaction(SIGCHLD, &chld, &old_chld);

  say(std::to_string(o.nproc) + " worker" + (o.nproc == 1 ? "" : "s") + " (rank" + (o.nproc == 1 ? " " : "s ") +
      std::to_string(o.node_rank * o.nproc) +
      (o.nproc == 1 ? "" : ".." + std::to_string(o.node_rank * o.nproc + o.nproc - 1)) + " of " +
      std::to_string(world) + "), rendezvous at " + o.master_addr + ":" + std::to_string(o.master_port));

  std::vector<Worker> workers(o.nproc);
  for (int local = 0; local < o.nproc; ++local) {
    Worker& w = workers[local];
    w.rank = o.node_rank * o.nproc + local;
    auto env = common;
    env["RANK"] = std::to_string(w.rank);
    env["LOCAL_RANK"] = std::to_string(local);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      const auto key = kv.substr(0, kv.find('='));
      if (!env.count(key)) env_strings.push_back(kv);
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<std::string> args{o.executable};
    args.insert(args.end(), o.command.begin(), o.command.end());
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    const bool prefixed = w.rank != 0;
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (prefixed && ((o.all_stdout && ::pipe2(out, O_CLOEXEC) != 0) || ::pipe2(err, O_CLOEXEC) != 0))
      throw UserError(std::string("pipe: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw UserError(std::string("cannot start a worker: ") + std::strerror(errno));
    if (pid == 0) {
      ::setpgid(0, 0);                     // a terminal's Ctrl-C reaches launch alone, which forwards it once
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // and a worker does not outlive a killed launch
      if (::getppid() != parent) ::_exit(1);
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      ::sigaction(SIGINT, &dfl, nullptr);
      ::sigaction(SIGTERM, &dfl, nullptr);
      if (prefixed) {
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(o.all_stdout ? out[1] : null, STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        ::dup2(null, STDIN_FILENO);
      }
      ::execve(argv[0], argv.data(), envp.data());
      const std::string msg = "torchlab launch: cannot run " + args[0] + ": " + std::strerror(errno) + "\n";
      (void)!::write(STDERR_FILENO, msg.data(), msg.size());
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    w.pid = pid;
    w.running = true;
    if (prefixed) {
      const std::string prefix = "[rank " + std::to_string(w.rank) + "] ";
      if (o.all_stdout) {
        ::close(out[1]);
        w.out = Stream{out[0], STDOUT_FILENO, prefix, ""};
      }
      ::close(err[1]);
      w.err = Stream{err[0], STDERR_FILENO, prefix, ""};
    }
  }

  int handled_signals = 0;
  bool interrupted = false, stopping = false, termed = false, killed = false;
  int failure_code = 0, failure_rank = -1;
  Clock::time_point term_at{}, kill_at{};
  auto signal_running = [&](int sig) {
    for (auto& w : workers)
      if (w.running) ::kill(w.pid, sig);
  };
  for (;;) {
    std::vector<pollfd> fds{{wake[0], POLLIN, 0}};
    std::vector<Stream*> streams;
    bool running = false;
    for (auto& w : workers) {
      running = running || w.running;
      for (Stream* s : {&w.out, &w.err})
        if (s->fd >= 0) {
          fds.push_back({s->fd, POLLIN, 0});
          streams.push_back(s);
        }
    }
    if (!running && streams.empty()) break;
    ::poll(fds.data(), fds.size(), 100);
    char drain[64];
    while (::read(wake[0], drain, sizeof drain) > 0) {
    }
    for (size_t i = 1; i < fds.size(); ++i)
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) streams[i - 1]->read_some();

    // Ctrl-C / SIGTERM: the first goes to every worker (they checkpoint and stop), the second makes them leave at
    // once, a third kills them.
    const int signals = g_signals.load();
    while (handled_signals < signals) {
      ++handled_signals;
      const int sig = g_last_signal.load();
      if (handled_signals == 1) {
        interrupted = true;
        say(std::string("got ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
            ": stopping the workers (rank 0 writes a checkpoint); again to stop at once");
        signal_running(sig);
      } else if (handled_signals == 2) {
        signal_running(sig);
      } else {
        signal_running(SIGKILL);
      }
    }

    pid_t pid;
    int status;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto& w : workers) {
        if (w.pid != pid || !w.running) continue;
        w.running = false;
        w.status = status;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && !stopping && !interrupted) {
          say("worker rank " + std::to_string(w.rank) + " (pid " + std::to_string(pid) + ") " + describe(status) +
              "; stopping the other workers");
          failure_code = exit_code(status);
          failure_rank = w.rank;
          stopping = true;
          // The others usually fail on their own within moments, naming the culprit: let them say so first.
          term_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(std::min(o.grace_s, 3.0) * 1000));
          kill_at = term_at + std::chrono::milliseconds(static_cast<int64_t>(o.grace_s * 1000));
        }
      }
    }
    if (stopping && !termed && Clock::now() >= term_at) {
      termed = true;
      signal_running(SIGTERM);
    }
    if (stopping && !killed && Clock::now() >= kill_at) {
      killed = true;
      for (auto& w : workers)
        if (w.running) say("worker rank " + std::to_string(w.rank) + " did not stop within the grace period: SIGKILL");
      signal_running(SIGKILL);
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGCHLD, &old_chld, nullptr);
  g_wake_fd = -1;
  ::close(wake[0]);
  ::close(wake[1]);

  if (interrupted) return 130;
  if (failure_code != 0) {
    say("failed: worker rank " + std::to_string(failure_rank) + " exit code " + std::to_string(failure_code));
    return failure_code;
  }
  return 0;
}

}  // namespace torchlab::dist
