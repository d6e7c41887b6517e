#include "torchlab/dist/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace torchlab::dist {

void cap_threads_per_worker(int local_world_size) {
  if (local_world_size <= 1) return;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int cap = std::max(1, cores / local_world_size);
  if (at::get_num_threads() > cap) at::set_num_threads(cap);
}

}  // namespace torchlab::dist
