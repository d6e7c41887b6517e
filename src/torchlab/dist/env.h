#pragma once
// The torchrun-style environment of a worker: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT, plus torchlab's TORCHLAB_DIST_TIMEOUT (seconds) and TORCHLAB_DIST_BACKEND (auto | gloo | nccl).
// `torchlab launch` sets them; a worker started by hand with the same variables behaves the same.
#include <chrono>
#include <string>
#include <vector>

namespace torchlab::dist {

struct Env {
  bool present = false;  // RANK or WORLD_SIZE was set: this process is one worker of a group (maybe of size 1)
  int rank = 0;
  int local_rank = 0;
  int world_size = 1;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::chrono::milliseconds timeout{60000};
  std::string backend = "auto";

  // Reads the variables; a malformed or inconsistent one is a UserError naming it. Absent = one process.
  static Env from_environment();
};

// Backends compiled into this build ("gloo", "nccl"), from core/info.
std::vector<std::string> available_backends();

// A TCP port that is free on `addr` right now (binds port 0 and reads what the kernel chose).
int free_port(const std::string& addr = "127.0.0.1");

// Parses "HOST:PORT" (HOST may be [v6]); a UserError names `what` on a bad value.
std::pair<std::string, int> parse_host_port(const std::string& text, const std::string& what);

}  // namespace torchlab::dist
