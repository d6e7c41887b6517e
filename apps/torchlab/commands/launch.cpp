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
      app.add_flag("--all-stdout", o.all_stdout, "also show the standard output of ranks other than 0");
      app.footer(
          "Everything after -- is the torchlab command each worker runs. Rank 0 prints the dashboard and writes the "
          "run; other ranks' errors are prefixed [rank N] (their stdout is dropped unless --all-stdout). A worker that "
          "fails stops the others; launch exits with its "
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
        if (r.param_spread != 0) throw UserError("the ranks' parameters differ after training");
        if (!context.chief()) return;
        std::ostringstream s;
        s.setf(std::ios::fixed);
        s.precision(2);
        const auto& env = context.env();
        if (!env.present)
          s << "dist-check: one process, not distributed (no RANK/WORLD_SIZE); run it as torchlab launch --nproc 2 "
               "-- dist-check\n";
        else
          s << "dist-check: " << r.world_size << " rank" << (r.world_size == 1 ? "" : "s") << " joined at "
            << env.master_addr << ":" << env.master_port << ", backend " << r.backend << ", all-reduce sums right\n";
        s << "all-reduce of " << r.bytes / 1e6 << " MB: " << r.allreduce_ms << " ms";
        if (r.world_size > 1) s << " (" << r.bus_gb_per_s << " GB/s bus bandwidth)";
        s << "\n";
        if (r.steps > 0)
          s << "trained " << r.steps << " steps data-parallel in " << r.run_dir.string()
            << "; parameters identical on every rank: " << (r.param_spread == 0 ? "yes" : "NO") << "\n";
        std::cout << s.str() << std::flush;
      });
    },
    91);

}  // namespace
}  // namespace torchlab::cli
