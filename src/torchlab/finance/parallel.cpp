#include "torchlab/finance/parallel.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
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

thread_local bool in_worker = false;

// Long-lived workers. A new thread's first libtorch call re-creates libtorch's internal thread pools, whose fresh
// threads spin for a while: paid once per worker here, not once per call.
class Pool {
 public:
  static Pool& get() {
    static Pool* pool = new Pool;  // never destroyed: workers stay parked until the process exits
    return *pool;
  }

  // Runs chunks [0, chunks) on `workers` threads; false when the pool is busy with another caller.
  bool run(int64_t workers, int64_t chunks, const std::function<void(int64_t)>& fn) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy) return false;
    std::unique_lock<std::mutex> lock(mu_);
    while (static_cast<int64_t>(threads_.size()) < workers)
      threads_.emplace_back([this, seen = generation_] { loop(seen); });
    job_ = &fn;
    chunks_ = chunks;
    next_ = 0;
    wanted_ = workers;
    taken_ = finished_ = 0;
    error_ = nullptr;
    ++generation_;
    wake_.notify_all();
    done_.wait(lock, [&] { return finished_ == wanted_; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  // `seen`: the last job generation this worker need not take (the one current when it was created).
  void loop(uint64_t seen) {
    in_worker = true;
    at::get_num_threads();  // libtorch's per-thread setup first, which would undo the next line
    omp_set_threads()(1);
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      wake_.wait(lock, [&] { return generation_ != seen && taken_ < wanted_; });
      seen = generation_;
      ++taken_;
      const auto* job = job_;
      lock.unlock();
      try {
        for (int64_t c; (c = next_.fetch_add(1)) < chunks_;) (*job)(c);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu_);
        if (!error_) error_ = std::current_exception();
        next_ = chunks_;  // the others stop after their current chunk
      }
      lock.lock();
      if (++finished_ == wanted_) done_.notify_all();
    }
  }

  std::mutex busy_, mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t chunks_ = 0, wanted_ = 0, taken_ = 0, finished_ = 0;  // workers asked for, joined, done
  std::atomic<int64_t> next_{0};
  uint64_t generation_ = 0;
  std::exception_ptr error_;
};

}  // namespace

void for_each_chunk(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t chunks = (n + chunk - 1) / chunk;
  const int64_t workers = std::min<int64_t>(at::get_num_threads(), chunks);
  const std::function<void(int64_t)> run = [&](int64_t c) { fn(c * chunk, std::min(n, (c + 1) * chunk)); };
  if (workers > 1 && omp_set_threads() && !in_worker && !at::in_parallel_region() &&
      Pool::get().run(workers, chunks, run))
    return;
  for (int64_t c = 0; c < chunks; ++c) run(c);
}

}  // namespace torchlab::finance
