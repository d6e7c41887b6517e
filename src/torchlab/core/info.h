#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace torchlab {

struct BlasInfo {
  std::string name;    // "OpenBLAS", "MKL", "reference BLAS", "unknown"
  std::string detail;  // library path or build config
  bool slow = false;   // the reference BLAS: ~24x slower GEMM
};

// Which BLAS libtorch's GEMMs actually call in this process (after forcing one GEMM).
BlasInfo live_blas();

// Versions, build, CPU capability, threads, BLAS, CUDA/cuDNN devices, distributed backends compiled in.
nlohmann::json system_info();

// The c10d backends this build was compiled with: "gloo", "nccl".
std::vector<std::string> compiled_dist_backends();

}  // namespace torchlab
