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
#if TORCHLAB_TORCH_2
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
#else
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
#endif
  return stats.allocated_bytes[static_cast<size_t>(c10::cuda::CUDACachingAllocator::StatType::AGGREGATE)].peak;
#else
  (void)device;
  return 0;
#endif
}

}  // namespace torchlab::compat
