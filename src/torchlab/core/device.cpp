#include "torchlab/core/device.h"

#include <torch/torch.h>

#include <thread>

#include "torchlab/core/error.h"

namespace torchlab {

torch::Device resolve_device(const std::string& spec) {
  if (spec == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UserError("--device " + spec + ": CUDA is not available in this build or machine; use --device cpu or auto");
    int index = 0;
    if (spec.size() > 5) {
      try {
        size_t used = 0;
        index = std::stoi(spec.substr(5), &used);
        if (used != spec.size() - 5) throw std::invalid_argument("junk");
      } catch (const std::exception&) {
        throw UserError("--device " + spec + ": expected cuda:N with N a device number");
      }
    }
    const int count = static_cast<int>(torch::cuda::device_count());
    if (index < 0 || index >= count)
      throw UserError("--device " + spec + ": there are " + std::to_string(count) + " CUDA devices (0.." +
                      std::to_string(count - 1) + ")");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw UserError("--device " + spec + ": expected auto, cpu, cuda or cuda:N");
}

void seed_everything(uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

void set_threads(int n) {
  if (n < 0) throw UserError("--threads " + std::to_string(n) + ": must be 0 (default) or a positive count");
  // libtorch's OpenMP default can be 1 on small VMs; 0 means every logical CPU, as the user would expect.
  torch::set_num_threads(n > 0 ? n : std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace torchlab
