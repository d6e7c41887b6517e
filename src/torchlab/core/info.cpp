#include "torchlab/core/info.h"

#include <dlfcn.h>

#include <fstream>
#include <torch/torch.h>

#include "torchlab/core/compat.h"
#include "torchlab/core/version.h"

namespace torchlab {
namespace {

std::string loaded_library_matching(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    std::string path = line.substr(pos);
    if (path.find(needle) != std::string::npos) return path;
  }
  return "";
}

std::string config_value(const std::string& config, const std::string& key) {
  auto pos = config.find(key);
  if (pos == std::string::npos) return "unknown";
  pos += key.size();
  return config.substr(pos, config.find('\n', pos) - pos);
}

}  // namespace

BlasInfo live_blas() {
  {
    // Load the BLAS that GEMM uses, if it is loaded lazily.
    auto a = torch::ones({64, 64});
    (void)torch::mm(a, a);
  }
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    std::string lib = loaded_library_matching("openblas");
    return {"OpenBLAS", std::string(fn()) + (lib.empty() ? "" : " (" + lib + ")"), false};
  }
  const std::string config = at::show_config();
  if (config.find("BLAS_INFO=mkl") != std::string::npos || !loaded_library_matching("libmkl").empty())
    return {"MKL", "bundled with libtorch", false};
  std::string ref = loaded_library_matching("/libblas.so");
  if (!ref.empty()) return {"reference BLAS", ref, true};
  return {"unknown", "", false};
}

std::vector<std::string> compiled_dist_backends() {
  std::vector<std::string> out;
#ifdef TORCHLAB_HAVE_GLOO
  out.push_back("gloo");
#endif
#ifdef TORCHLAB_HAVE_NCCL
  out.push_back("nccl");
#endif
  return out;
}

nlohmann::json system_info() {
  nlohmann::json j;
  j["torchlab_version"] = TORCHLAB_VERSION;
  j["build_type"] = TORCHLAB_BUILD_TYPE;
  j["libtorch_version"] = compat::torch_version();
  j["cpu_capability"] = config_value(at::show_config(), "CPU capability usage: ");
  j["threads"] = torch::get_num_threads();
  j["interop_threads"] = torch::get_num_interop_threads();
  const auto blas = live_blas();
  j["blas"] = {{"name", blas.name}, {"detail", blas.detail}, {"slow", blas.slow}};
  j["mkldnn"] = at::hasMKLDNN();
  const bool cuda = torch::cuda::is_available();
  j["cuda_available"] = cuda;
  j["cudnn_available"] = cuda && torch::cuda::cudnn_is_available();
  j["cuda_devices"] = compat::cuda_devices();
  j["distributed_backends"] = compiled_dist_backends();
  return j;
}

}  // namespace torchlab
