#include "torchlab/core/device.h"

#include <torch/torch.h>

#include <cstdlib>
#include <thread>

#include "torchlab/core/error.h"

namespace torchlab {

namespace {

// A worker started by `torchlab launch` (or torchrun) has LOCAL_RANK: each worker on a machine takes its own GPU, as
// NCCL needs.
int default_cuda_index(const std::string& spec) {
  const char* local = std::getenv("LOCAL_RANK");
  if (!local) return 0;
  const int index = std::atoi(local);
  const int count = static_cast<int>(torch::cuda::device_count());
  if (index >= count)
    throw UserError("--device " + spec + ": this worker's LOCAL_RANK " + std::to_string(index) + " needs GPU " +
                    std::to_string(index) + ", and this machine has " + std::to_string(count) + "; launch at most " +
                    std::to_string(count) + " CUDA workers per machine, or use --device cpu");
  return index;
}

}  // namespace

torch::Device resolve_device(const std::string& spec) {
  if (spec == "auto" && !torch::cuda::is_available()) return torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec == "auto" || spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UserError("--device " + spec +
                      ": CUDA is not available in this build or machine; use --device cpu or auto");
    int index = spec.size() > 5 ? 0 : default_cuda_index(spec);
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

bool auto_picks_cuda(double flops_per_step, bool cuda_available) {
  return cuda_available && flops_per_step >= kCudaMinFlopsPerStep;
}

torch::Device resolve_device(const std::string& spec, double flops_per_step) {
  if (spec == "auto" && !auto_picks_cuda(flops_per_step, torch::cuda::is_available()))
    return torch::Device(torch::kCPU);
  return resolve_device(spec);
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
