#pragma once
#include <torch/types.h>

#include <string>

namespace torchlab {

// The one device rule: "auto" is CUDA when available, else CPU; "cpu", "cuda", "cuda:N" as given. "auto" and "cuda"
// mean GPU LOCAL_RANK in a launched worker (one GPU per worker), GPU 0 otherwise.
// Asking for CUDA on a machine without it is a UserError naming what is available.
torch::Device resolve_device(const std::string& spec);

// Seeds torch (CPU and CUDA) so runs are reproducible; the C++ engines a task owns are seeded from the same value.
void seed_everything(uint64_t seed);

// Sets intra-op threads; 0 means one per logical CPU.
void set_threads(int n);

}  // namespace torchlab
