#include "torchlab/core/compat.h"

#ifdef TORCHLAB_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace torchlab::compat {

nlohmann::json cuda_devices() {
  nlohmann::json out = nlohmann::json::array();
#ifdef TORCHLAB_WITH_CUDA
  if (!torch::cuda::is_available()) return out;
  for (int i = 0; i < static_cast<int>(torch::cuda::device_count()); ++i) {
    const auto* p = at::cuda::getDeviceProperties(i);
    out.push_back({{"index", i},
                   {"name", p->name},
                   {"memory_gib", p->totalGlobalMem / double(1ull << 30)},
                   {"capability", std::to_string(p->major) + "." + std::to_string(p->minor)}});
  }
#endif
  return out;
}

int64_t cuda_peak_memory(int device) {
#ifdef TORCHLAB_WITH_CUDA
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  // Index 0 is StatType::AGGREGATE; the enum moved namespaces between 1.13 and 2.x.
  return stats.allocated_bytes[0].peak;
#else
  (void)device;
  return 0;
#endif
}

}  // namespace torchlab::compat
