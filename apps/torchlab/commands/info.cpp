#include "torchlab/core/info.h"

#include <iostream>

#include "torchlab/command.h"

namespace torchlab::cli {
namespace {

void print_info(bool as_json) {
  const auto j = system_info();
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  auto s = [&](const char* key) { return j[key].is_string() ? j[key].get<std::string>() : j[key].dump(); };
  std::cout << "torchlab       " << s("torchlab_version") << " (" << s("build_type") << ")\n"
            << "libtorch       " << s("libtorch_version") << "\n"
            << "CPU capability " << s("cpu_capability") << ", " << s("threads") << " threads (" << s("interop_threads")
            << " inter-op)\n"
            << "BLAS           " << j["blas"]["name"].get<std::string>() << "  "
            << j["blas"]["detail"].get<std::string>() << "\n"
            << "oneDNN         " << (j["mkldnn"].get<bool>() ? "yes" : "no") << "\n"
            << "CUDA           " << (j["cuda_available"].get<bool>() ? "available" : "not available") << ", cuDNN "
            << (j["cudnn_available"].get<bool>() ? "available" : "not available") << "\n";
  for (const auto& d : j["cuda_devices"])
    std::cout << "  cuda:" << d["index"].get<int>() << "       " << d["name"].get<std::string>() << ", "
              << d["memory_gib"].get<double>() << " GiB, compute " << d["capability"].get<std::string>() << "\n";
  std::string backends;
  for (const auto& b : j["distributed_backends"]) backends += (backends.empty() ? "" : ", ") + b.get<std::string>();
  std::cout << "distributed    " << (backends.empty() ? "none compiled in" : backends) << "\n";
  if (j["blas"]["slow"].get<bool>())
    std::cerr << "warning: libtorch is using the reference BLAS (about 24x slower GEMM); install libopenblas0-openmp "
                 "(apt-get install libopenblas0-openmp)\n";
}

Register reg(
    "info", "Versions, CPU/BLAS/CUDA capabilities and distributed backends of this build",
    [](CLI::App& app) {
      auto as_json = std::make_shared<bool>(false);
      app.add_flag("--json", *as_json, "machine-readable output");
      app.callback([as_json] { print_info(*as_json); });
    },
    5);

}  // namespace
}  // namespace torchlab::cli
