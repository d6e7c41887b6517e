#include "torchlab/finance/parallel.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace torchlab::finance {
namespace {

// libtorch runs its ops on OpenMP. A plain thread that calls libtorch would fork an OpenMP team of its own for each
// op, so each worker sets its own OpenMP thread count to 1. The OpenMP runtime is libtorch's, already loaded: it is
// looked up rather than linked. Null when libtorch was built on another thread pool.
using SetThreads = void (*)(int);
SetThreads omp_set_threads() {
  static const auto fn = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  return fn;
}

}  // namespace

void for_each_chunk(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t chunks = (n + chunk - 1) / chunk;
  const int64_t workers = std::min<int64_t>(at::get_num_threads(), chunks);
  auto run = [&](int64_t c) { fn(c * chunk, std::min(n, (c + 1) * chunk)); };
  if (workers <= 1 || !omp_set_threads() || at::in_parallel_region()) {
    for (int64_t c = 0; c < chunks; ++c) run(c);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto work = [&] {
    at::get_num_threads();  // libtorch's per-thread setup first, which would undo the next line
    omp_set_threads()(1);
    try {
      for (int64_t c; (c = next.fetch_add(1)) < chunks;) run(c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!error) error = std::current_exception();
      next = chunks;  // the others stop after their current chunk
    }
  };
  std::vector<std::thread> threads;
  for (int64_t i = 0; i < workers; ++i) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace torchlab::finance
