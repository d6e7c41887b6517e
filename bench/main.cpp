#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "harness.h"
#include "torchlab/core/cpu_allocator.h"
#include "torchlab/text/char_rnn_task.h"

namespace bench {

std::vector<Workload>& workloads() {
  static std::vector<Workload> all;
  return all;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string moby_dick() {
  const auto path = torchlab::text::find_default_corpus();
  if (!std::filesystem::exists(path))
    throw std::runtime_error(path.string() + " not found (run scripts/setup.sh, or set TORCHLAB_CHAR_RNN_TEXT)");
  return path.string();
}

std::vector<double> time_runs(const std::function<void()>& fn, int repeats, int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> out;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    out.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return out;
}

}  // namespace bench

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "--list";
  const bool cuda = argc > 2 && std::string(argv[2]) == "cuda";
  if (const char* t = std::getenv("TORCHLAB_BENCH_THREADS")) torch::set_num_threads(std::atoi(t));
  torchlab::install_caching_cpu_allocator();  // as the torchlab program does
  if (name == "--list") {
    for (const auto& w : bench::workloads()) std::cout << w.name << "\n";
    return 0;
  }
  for (const auto& w : bench::workloads()) {
    if (w.name != name) continue;
    bench::Result r;
    try {
      r = w.run(cuda);
    } catch (const std::exception& e) {  // e.g. a CPU-only workload asked for CUDA: say why, no core dump
      std::cerr << w.name << ": " << e.what() << "\n";
      return 1;
    }
    nlohmann::json j = {{"workload", w.name},
                        {"value", r.value},
                        {"unit", r.unit},
                        {"higher_is_better", r.higher_is_better},
                        {"note", r.note}};
    std::cout << j.dump() << std::endl;
    return 0;
  }
  std::cerr << "unknown workload " << name << " (torchlab_bench --list)\n";
  return 2;
}
