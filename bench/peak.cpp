// peak/fp32_gemm_gflops: this machine's fp32 matrix-multiply rate through libtorch (torch::mm, 2048 x 2048 x 2048,
// median of 5 after one warm-up), at the bench's thread count. bench/run.py measures it once and prints the
// FLOP-bound rows' GFLOP/s as a share of it; it has no Python counterpart (Python's mm is the same library call).
#include <torch/torch.h>

#include "harness.h"

namespace {

bench::Register peak("peak/fp32_gemm_gflops", [](int cuda) {
  const int64_t n = 2048;
  const torch::Device device = cuda ? torch::kCUDA : torch::kCPU;
  torch::manual_seed(0);
  const auto a = torch::rand({n, n}, device), b = torch::rand({n, n}, device);
  auto c = torch::empty({n, n}, device);
  const auto secs = bench::time_runs(
      [&] {
        torch::mm_out(c, a, b);
        if (cuda) torch::cuda::synchronize();
      },
      5, 1);
  return bench::Result{2.0 * n * n * n / bench::median(secs) / 1e9, "GFLOP/s", true, "torch::mm 2048^3 fp32"};
});

}  // namespace
