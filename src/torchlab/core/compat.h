#pragma once
// The one place for differences between Debian's libtorch 1.13 and pip's libtorch 2.x.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

#ifndef TORCH_VERSION_MAJOR
#define TORCH_VERSION_MAJOR 1
#define TORCH_VERSION_MINOR 13
#endif

#define TORCHLAB_TORCH_2 (TORCH_VERSION_MAJOR >= 2)
// c10::Allocator::allocate stopped being const in 2.3.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define TORCHLAB_ALLOCATE_CONST
#else
#define TORCHLAB_ALLOCATE_CONST const
#endif

namespace torchlab::compat {

// c10::optional became std::optional in 2.x; callers use std::optional and convert here.
template <typename T>
inline std::optional<T> to_std(const c10::optional<T>& v) {
  if (v.has_value()) return *v;
  return std::nullopt;
}

// The CPU generator's state as a uint8 tensor, and its restore.
inline torch::Tensor cpu_rng_state() { return at::detail::getDefaultCPUGenerator().get_state(); }
inline void set_cpu_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// Name and memory of each CUDA device (empty on CPU-only builds).
nlohmann::json cuda_devices();

// Peak memory allocated on a CUDA device since start (bytes), 0 when not a CUDA build.
int64_t cuda_peak_memory(int device);

// The key torch::optim keeps per-parameter state under: the TensorImpl address printed as a string in 1.13, the
// address itself in 2.x.
using OptimizerStateKey = std::remove_reference_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;
namespace detail {
template <typename Key>
Key optimizer_state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;  // what 1.13's c10::guts::to_string does
    s << p.unsafeGetTensorImpl();
    return s.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}
}  // namespace detail
inline OptimizerStateKey optimizer_state_key(const torch::Tensor& p) {
  return detail::optimizer_state_key<OptimizerStateKey>(p);
}

inline std::string torch_version() {
#ifdef TORCH_VERSION
  return TORCH_VERSION;
#else
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR);
#endif
}

}  // namespace torchlab::compat
