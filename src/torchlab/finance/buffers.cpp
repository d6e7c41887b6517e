#include "torchlab/finance/buffers.h"

#include <sys/mman.h>
#include <torch/torch.h>

#include <cstdint>
#include <stdexcept>

namespace torchlab::finance {

torch::Tensor empty_output(int64_t rows, int64_t n, const torch::Device& device) {
  auto out = torch::empty({rows, n}, torch::dtype(torch::kFloat64).device(device));
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t(1) << 21;
  if (device.is_cpu() && out.nbytes() >= 4 * kHuge) {
    const auto begin = reinterpret_cast<uintptr_t>(out.data_ptr());
    const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t last = (begin + out.nbytes()) & ~(kHuge - 1);
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // advice only
  }
#endif
  return out;
}

void check_output(const torch::Tensor& out, const OptionTensors& batch) {
  if (!out.defined() || out.dim() != 2 || out.size(0) != kNumGreeks || out.size(1) != batch.size() ||
      out.scalar_type() != torch::kFloat64 || out.device() != batch.device() || !out.is_contiguous())
    throw std::invalid_argument(
        "Greeks output must be a contiguous float64 [kNumGreeks, n] tensor on the batch's device");
}

}  // namespace torchlab::finance
