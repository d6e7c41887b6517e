// `torchlab launch` (start data-parallel workers, torchrun-style) and `torchlab dist-check` (prove a setup works).
#include <iostream>
#include <memory>
#include <sstream>

#include "torchlab/command.h"
#include "torchlab/core/error.h"
#include "torchlab/dist/context.h"
#include "torchlab/dist/env.h"
#include "torchlab/dist/launcher.h"
#include "torchlab/dist/self_check.h"

namespace torchlab::cli {
namespace {

struct LaunchFlags {
  dist::LaunchOptions options;
  std::string master;
};

void run_launch(LaunchFlags& flags) {
  auto o = flags.options;
  if (!flags.master.empty()) std::tie(o.master_addr, o.master_port) = dist::parse_host_port(flags.master, "--master");
  const int code = dist::launch(o);
  if (code != 0) std::exit(code);  // the workers' code (130 after Ctrl-C); launch printed why
}

Register launch_command(
    "launch",
    "Run a torchlab command as N data-parallel workers (torchrun's conventions): launch --nproc 2 -- char-rnn train",
    [](CLI::App& app) {
      auto flags = std::make_shared<LaunchFlags>();
      auto& o = flags->options;
      app.add_option("--nproc", o.nproc, "workers on this machine")->capture_default_str();
      app.add_option("--nnodes", o.nnodes, "machines taking part")->capture_default_str();
      app.add_option("--node-rank", o.node_rank, "this machine's index, 0 = the one hosting the rendezvous")
          ->capture_default_str();
      app.add_option(
          "--master", flags->master,
          "HOST:PORT of node 0's rendezvous store (default 127.0.0.1 and a free port; needed with --nnodes)");
      app.add_option("--timeout", o.timeout_s, "seconds before a dead or hung worker fails the others (default 60)");
      app.add_option("--backend", o.backend, "auto (gloo for CPU, nccl for CUDA tensors), gloo or nccl");
      app.add_option("--grace", o.grace_s, "seconds between SIGTERM and SIGKILL when stopping workers")
          ->capture_default_str();
      app.footer(
          "Everything after -- is the torchlab command each worker runs. Rank 0 prints the dashboard and writes the "
          "run; other ranks' output is prefixed [rank N]. A worker that fails stops the others; launch exits with its "
          "code. Ctrl-C stops every worker after the same step, rank 0 writing a checkpoint (exit 130).");
      app.add_option("command", o.command, "the torchlab command and its flags, after --");
      app.callback([flags] { run_launch(*flags); });
    },
    90);

Register check_command(
    "dist-check",
    "Check a distributed setup: rendezvous, an all-reduce, its bandwidth, optionally a small data-parallel training",
    [](CLI::App& app) {
      auto common = std::make_shared<Common>();
      auto o = std::make_shared<dist::SelfCheckOptions>();
      add_common(app, *common);
      app.add_option("--size-mb", o->size_mb, "all-reduce payload for the bandwidth figure")->capture_default_str();
      app.add_option("--repeats", o->repeats, "timed all-reduces")->capture_default_str();
      app.add_option("--train-steps", o->train_steps, "also train a small model data-parallel for this many steps")
          ->capture_default_str();
      app.add_option("--runs-dir", o->runs_dir, "where the training run goes")->capture_default_str();
      app.add_option("--run", o->run_name, "run name (default: generated)");
      app.add_option("--step-ms", o->step_ms, "sleep in each training step, to try Ctrl-C")->capture_default_str();
      app.add_option("--fail-on-rank", o->fail_on_rank, "make this rank fail after the rendezvous (to try faults)");
      app.callback([common, o] {
        o->device = apply_common(*common);
        auto& context = dist::Context::process();
        const auto r = dist::self_check(context, *o);
        std::ostringstream s;
        s << "rank " << context.rank() << "/" << r.world_size << ": ok";
        if (!r.backend.empty()) s << " (" << r.backend << ")";
        s << "\n";
        if (context.chief()) {
          s << "all-reduce of " << r.bytes / 1e6 << " MB: " << r.allreduce_ms << " ms";
          if (r.world_size > 1) s << " (" << r.bus_gb_per_s << " GB/s bus bandwidth)";
          s << "\n";
          if (r.steps > 0)
            s << "trained " << r.steps << " steps data-parallel in " << r.run_dir.string()
              << "; parameters identical on every rank: " << (r.param_spread == 0 ? "yes" : "NO") << "\n";
        }
        std::cout << s.str() << std::flush;
        if (r.param_spread != 0) throw UserError("the ranks' parameters differ after training");
      });
    },
    91);

}  // namespace
}  // namespace torchlab::cli
