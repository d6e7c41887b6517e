#pragma once
#include <torch/types.h>

#include <string>

namespace torchlab {

// The one device rule: "auto" is CUDA when available, else CPU; "cpu", "cuda", "cuda:N" as given. "auto" and "cuda"
// mean GPU LOCAL_RANK in a launched worker (one GPU per worker), GPU 0 otherwise.
// Asking for CUDA on a machine without it is a UserError naming what is available.
torch::Device resolve_device(const std::string& spec);

// The size of a workload's step for "auto": about 6 x parameters x items for a training step, 2 x parameters x
// items for inference. A step below kCudaMinFlopsPerStep is faster on the CPU, where it does not wait on kernel
// launches and host transfers (the 9-input DQN made 626 moves/s on an H100 against 52-61 k on the CPU).
constexpr double kCudaMinFlopsPerStep = 5e7;  // half a millisecond of a CPU core at 100 GFLOP/s
bool auto_picks_cuda(double flops_per_step, bool cuda_available);
// As resolve_device(spec), except that "auto" keeps a step smaller than kCudaMinFlopsPerStep on the CPU. "cuda"
// and "cuda:N" still force the GPU.
torch::Device resolve_device(const std::string& spec, double flops_per_step);

// Seeds torch (CPU and CUDA) so runs are reproducible; the C++ engines a task owns are seeded from the same value.
void seed_everything(uint64_t seed);

// Sets intra-op threads; 0 means one per logical CPU.
void set_threads(int n);

}  // namespace torchlab
