#include <c10/util/Exception.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "torchlab/command.h"
#include "torchlab/core/console.h"
#include "torchlab/core/cpu_allocator.h"
#include "torchlab/core/device.h"
#include "torchlab/core/error.h"
#include "torchlab/core/version.h"

namespace torchlab::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

std::vector<DemoStep>& demo_steps() {
  static std::vector<DemoStep> all;
  return all;
}

void add_common(CLI::App& app, Common& common) {
  app.add_option("--device", common.device, "auto | cpu | cuda | cuda:N (auto = CUDA when available)")
      ->capture_default_str();
  app.add_option("--seed", common.seed, "random seed")->capture_default_str();
  app.add_option("--threads", common.threads, "intra-op CPU threads (0 = one per logical CPU)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

std::filesystem::path run_folder(const std::string& run, const std::filesystem::path& runs_dir) {
  if (run.empty()) throw UserError("--run: give the name of a run (a folder in " + runs_dir.string() + ")");
  if (run.find('/') != std::string::npos) return run;
  return runs_dir / run;
}

void add_train_run_flags(CLI::App& app, TrainRunFlags& f, const std::string& default_name, const std::string& weights,
                         const std::string& step) {
  app.add_option("--run", f.run, "run name (a folder under --runs-dir; default: " + default_name + ")");
  app.add_option("--resume", f.resume, "continue a run (a name or a path; alone: the --run one)")
      ->expected(0, 1)
      ->default_str("");
  app.add_option("--runs-dir", f.runs_dir, "where runs live")->capture_default_str();
  app.add_flag("--overwrite", f.overwrite, "start the --run afresh if it exists");
  app.add_option("--init-from", f.init_from,
                 "start from these weights (safetensors, PyTorch state_dict names: " + weights + ")");
  app.add_option("--max-steps", f.max_steps, "stop after this many " + step + " (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quiet", f.quiet, "no dashboard");
}

std::filesystem::path resume_folder(const CLI::App& app, const TrainRunFlags& f) {
  if (!app.count("--resume")) return {};
  if (f.resume.empty() && f.run.empty())
    throw UserError("--resume: name the run to continue (--resume NAME, or --run NAME --resume)");
  if (f.overwrite) throw UserError("--resume and --overwrite contradict each other; pick one");
  return run_folder(f.resume.empty() ? f.run : f.resume, f.runs_dir);
}

torch::Device apply_common(const Common& common, double flops_per_step) {
  set_threads(common.threads);
  seed_everything(common.seed);
  return resolve_device(common.device, flops_per_step);
}

}  // namespace torchlab::cli

namespace {

int fail(const std::string& kind, const std::string& message, int code) {
  torchlab::Console::get().restore();
  std::cerr << "torchlab: " << kind << message << "\n";
  return code;
}

#ifdef TORCHLAB_PRELOAD
// pip's libtorch 2.x shadows libstdc++'s std::filesystem with copies that crash (see the top-level CMakeLists.txt):
// run again with the compiler's libstdc++ preloaded, which puts its symbols first. Children inherit it.
void preload_libstdcxx(char** argv) {
  const char* current = std::getenv("LD_PRELOAD");
  if (current && std::string(current).find(TORCHLAB_PRELOAD) != std::string::npos) return;
  if (std::getenv("TORCHLAB_NO_PRELOAD")) return;  // the way out if the re-exec itself ever fails
  const std::string value = current && *current ? std::string(TORCHLAB_PRELOAD) + ":" + current : TORCHLAB_PRELOAD;
  ::setenv("LD_PRELOAD", value.c_str(), 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure: go on without it
}
#endif

}  // namespace

int main(int argc, char** argv) {
  using namespace torchlab;
#ifdef TORCHLAB_PRELOAD
  preload_libstdcxx(argv);
#endif
  install_caching_cpu_allocator();
  CLI::App app{"torchlab " TORCHLAB_VERSION " - machine learning in C++ on libtorch"};
  app.set_version_flag("--version", std::string("torchlab ") + TORCHLAB_VERSION);
  app.require_subcommand(1);
  auto& all = cli::commands();
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& command : all) command.setup(*app.add_subcommand(command.name, command.description));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail("error: ", std::string(e.what()) + " (see torchlab --help, or torchlab <command> --help)", 2);
  } catch (const UserError& e) {
    return fail("error: ", e.what(), 2);
  } catch (const Interrupted& e) {
    return fail("", e.what(), 130);
  } catch (const c10::Error& e) {
    return fail("internal error: ", e.what_without_backtrace(), 1);
  } catch (const std::exception& e) {
    return fail("internal error: ", e.what(), 1);
  }
  Console::get().restore();
  return 0;
}
