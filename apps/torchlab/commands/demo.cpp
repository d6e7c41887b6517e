#include <algorithm>
#include <chrono>
#include <iostream>

#include "torchlab/command.h"
#include "torchlab/core/console.h"

namespace torchlab::cli {
namespace {

void run_demo(const torch::Device& device) {
  auto steps = demo_steps();
  std::stable_sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < steps.size(); ++i) {
    std::cout << "\n################ " << i + 1 << "/" << steps.size() << " " << steps[i].title << " ################\n"
              << std::flush;
    steps[i].run(device);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "\nTour finished in " << format_duration(secs) << ". Try next:\n";
  for (const auto& step : steps)
    if (!step.try_next.empty()) std::cout << "  " << step.try_next << "\n";
  std::cout << "  torchlab info\n  torchlab --help\n";
}

Register reg(
    "demo", "A short tour of everything torchlab does (a few minutes on 2 CPU cores)",
    [](CLI::App& app) {
      auto common = std::make_shared<Common>();
      add_common(app, *common);
      app.callback([common] { run_demo(apply_common(*common)); });
    },
    1);

}  // namespace
}  // namespace torchlab::cli
