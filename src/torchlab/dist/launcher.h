#pragma once
// `torchlab launch`: starts the workers of one node as fresh processes of a torchlab binary, with torchrun's
// environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT), and watches them.
//  - Output: the worker of global rank 0 writes straight to the terminal (its live dashboard works). The other
//    workers' stderr (errors, warnings) comes through prefixed "[rank N] "; their stdout (the same epoch lines and
//    samples as rank 0's) is dropped unless all_stdout.
//  - A worker that fails (nonzero exit or a signal) is reported with its rank and exit code; the others get a moment
//    (min(grace, 3 s)) to fail on their own — their errors name the culprit — then SIGTERM, then SIGKILL after the
//    grace period; launch exits with the failed worker's code.
//  - SIGINT/SIGTERM to launch go to every worker (each in its own process group, so a terminal's Ctrl-C reaches them
//    once, through launch); rank 0 writes its checkpoint; launch exits 130. Again: the workers leave at once.
#include <string>
#include <vector>

namespace torchlab::dist {

struct LaunchOptions {
  int nproc = 1;  // workers on this node
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";  // rank 0's node; the rendezvous store listens there
  int master_port = 0;                    // 0 = a free port (single node only)
  double timeout_s = 0;                   // > 0: TORCHLAB_DIST_TIMEOUT for the workers
  std::string backend;                    // non-empty: TORCHLAB_DIST_BACKEND for the workers
  double grace_s = 10;                    // between SIGTERM and SIGKILL when stopping the others
  bool all_stdout = false;                // also pass on (prefixed) the stdout of ranks other than 0
  std::vector<std::string> command;       // the torchlab subcommand and its arguments
  std::string executable;                 // default: this program (/proc/self/exe)
};

// Runs the workers to the end; returns the exit code for launch. Bad options are a UserError.
int launch(const LaunchOptions& options);

}  // namespace torchlab::dist
