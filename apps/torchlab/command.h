#pragma once
// Subcommand registry: each file in commands/ registers itself; main() builds the CLI from the registry.
#include <torch/types.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace torchlab::cli {

// Flags every compute command takes.
struct Common {
  std::string device = "auto";
  uint64_t seed = 42;
  int threads = 0;
};
void add_common(CLI::App& app, Common& common);
// Applies --threads and --seed, resolves --device (a UserError when it cannot be had). "auto" keeps a workload
// whose step is smaller than kCudaMinFlopsPerStep on the CPU (core/device.h); unknown size = big.
torch::Device apply_common(const Common& common, double flops_per_step = 1e300);
// The folder of --run NAME: runs_dir/NAME, or NAME itself when it is a path (holds a '/').
std::filesystem::path run_folder(const std::string& run, const std::filesystem::path& runs_dir);

// The flags every train command takes for its run directory and its length.
struct TrainRunFlags {
  std::string run, resume, runs_dir = "runs", init_from;
  bool overwrite = false, quiet = false;
  int64_t max_steps = 0;
};
// --run, --resume, --runs-dir, --overwrite, --init-from, --max-steps, --quiet. `default_name` is what --run
// defaults to, `weights` names the tensors --init-from reads, `step` what --max-steps counts.
void add_train_run_flags(CLI::App& app, TrainRunFlags& f, const std::string& default_name, const std::string& weights,
                         const std::string& step);
// The run folder --resume names (empty without --resume): alone it means --run's; it contradicts --overwrite.
std::filesystem::path resume_folder(const CLI::App& app, const TrainRunFlags& f);

struct Command {
  std::string name;
  std::string description;
  std::function<void(CLI::App&)> setup;  // adds flags/subcommands and the callback
  int order;
};
std::vector<Command>& commands();

struct Register {
  Register(std::string name, std::string description, std::function<void(CLI::App&)> setup, int order = 100) {
    commands().push_back({std::move(name), std::move(description), std::move(setup), order});
  }
};

// Steps of `torchlab demo`, in order: each later part adds its own.
struct DemoStep {
  std::string title;
  std::function<void(const torch::Device&)> run;
  int order;
  std::string try_next;  // commands to suggest at the end
};
std::vector<DemoStep>& demo_steps();
struct RegisterDemo {
  RegisterDemo(std::string title, std::function<void(const torch::Device&)> run, int order, std::string try_next) {
    demo_steps().push_back({std::move(title), std::move(run), order, std::move(try_next)});
  }
};

}  // namespace torchlab::cli
