#pragma once
// `torchlab dist-check`: proves a distributed setup works before a long run — rendezvous, an all-reduce whose sum
// every rank checks, the all-reduce bandwidth, and optionally a small data-parallel training run through the Learner
// (create_run_dir / configure / attach) that ends by checking every rank holds the same parameters.
#include <torch/types.h>

#include <filesystem>
#include <string>

#include "torchlab/dist/context.h"

namespace torchlab::dist {

struct SelfCheckOptions {
  double size_mb = 25;  // all-reduce payload for the bandwidth figure (float32)
  int repeats = 5;
  int fail_on_rank = -1;    // this rank throws after the rendezvous (to try fault handling)
  int64_t train_steps = 0;  // > 0: a small data-parallel training run of that many steps
  std::filesystem::path runs_dir = "runs";
  std::string run_name;  // empty = generated
  int step_ms = 0;       // extra sleep per training step (to try Ctrl-C)
  torch::Device device = torch::kCPU;
};

struct SelfCheckResult {
  int world_size = 1;
  std::string backend;      // "" in a single process
  int64_t bytes = 0;        // payload of the timed all-reduce
  double allreduce_ms = 0;  // median
  double bus_gb_per_s = 0;  // bytes * 2 (W - 1) / W / time, the usual ring-all-reduce figure
  int64_t steps = 0;        // training steps done
  double param_spread = 0;  // sum over ranks of max |param - rank 0's param| after training (0 = identical)
  std::filesystem::path run_dir;
};

SelfCheckResult self_check(Context& context, const SelfCheckOptions& options);

}  // namespace torchlab::dist
