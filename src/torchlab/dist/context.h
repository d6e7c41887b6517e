#pragma once
// One process's membership of a data-parallel group, on PyTorch's c10d: rendezvous through a TCPStore that rank 0
// hosts, then a Gloo (CPU tensors) or NCCL (CUDA tensors) process group made at the first collective. In a single
// process (no RANK/WORLD_SIZE in the environment) every collective is a no-op.
//
// Faults: each rank records in the store which collective it reached. When a collective fails (a peer closed its
// connection, or nothing arrived within the timeout) the rank reads those records and throws a UserError naming the
// ranks that fell behind or stopped answering — or rank 0, when the store it hosts is gone. Never a silent hang.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchlab/dist/env.h"

namespace torchlab::dist {

class Context {
 public:
  // Joins the group described by `env`: blocks until every rank has joined, or throws a UserError naming the ranks
  // that did not within env.timeout. An unknown or missing backend is a UserError listing those compiled in.
  explicit Context(Env env);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // This process's context, made from the environment on first use and kept until exit.
  static Context& process();

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  int local_rank() const { return env_.local_rank; }
  bool distributed() const { return env_.world_size > 1; }
  bool chief() const { return env_.rank == 0; }
  const Env& env() const { return env_; }
  std::chrono::milliseconds timeout() const { return env_.timeout; }
  // "gloo" or "nccl" once a collective ran; empty before, and in a single process.
  std::string backend() const;

  // The device the training tensors live on, before the first collective: it picks the process group (nccl for
  // CUDA under "auto"), and CPU tensors reduced later (metrics, flags) travel through it.
  void set_device(at::Device device);

  // Collectives (in place, every rank calls them in the same order). `what` names the operation in error messages,
  // e.g. "gradient all-reduce at step 12".
  void broadcast(const std::vector<at::Tensor>& tensors, int root, const std::string& what);
  void allreduce_sum(const std::vector<at::Tensor>& tensors, const std::string& what);
  void barrier(const std::string& what);

  // Small values through rank 0's store (e.g. the run directory's path). get waits up to the timeout for the key.
  void store_set(const std::string& key, const std::string& value);
  std::string store_get(const std::string& key);

 private:
  struct Impl;
  // Records the step in the store, makes the process group on first use, runs `issue`, and turns any failure into a
  // UserError naming the ranks at fault (kept: later collectives fail at once with it).
  void collective(const std::string& what, at::Device device, const std::function<void()>& issue);
  void make_group(at::Device device);
  Env env_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchlab::dist
