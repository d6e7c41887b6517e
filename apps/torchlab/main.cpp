#include <algorithm>
#include <csignal>
#include <iostream>

#include "torchlab/command.h"
#include "torchlab/core/console.h"
#include "torchlab/core/device.h"
#include "torchlab/core/error.h"
#include "torchlab/core/version.h"

#include <c10/util/Exception.h>

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

torch::Device apply_common(const Common& common) {
  set_threads(common.threads);
  seed_everything(common.seed);
  return resolve_device(common.device);
}

}  // namespace torchlab::cli

namespace {

int fail(const std::string& kind, const std::string& message, int code) {
  torchlab::Console::get().restore();
  std::cerr << "torchlab: " << kind << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace torchlab;
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
