// TorchScript inference (issue 13). Python side: bench/reference/torchscript.py. The model file is
// torchvision's mobilenet_v3_small (random weights, seed 0, 10 classes) scripted by bench/reference/
// torchscript_model.py; bench/run.py writes it first and passes its path in TORCHLAB_BENCH_MOBILENET.
//  torchscript/mobilenet_v3_small_b1_ms       latency of one 3x224x224 image, ms (median of 50 after warm-up)
//  torchscript/mobilenet_v3_small_b64_images  throughput at batch 64, images/s (median of 3 batches)
// torchlab runs what `torchlab infer` runs: interop::InferenceModel (eval, the module as loaded,
// InferenceMode), two warm-up runs per shape as infer's --warmup default.
#include "torchlab/interop/torchscript.h"

#include <torch/torch.h>

#include <cstdlib>
#include <stdexcept>

#include "harness.h"
#include "torchlab/interop/inference.h"

namespace {

using namespace torchlab::interop;

bench::Result mobilenet(int cuda, int64_t batch, int repeats) {
  const char* path = std::getenv("TORCHLAB_BENCH_MOBILENET");
  if (!path)
    throw std::runtime_error("TORCHLAB_BENCH_MOBILENET is not set (bench/run.py writes the model and sets it)");
  const torch::Device device = cuda ? torch::kCUDA : torch::kCPU;
  InferenceModel model(load_torchscript(std::filesystem::path(path), device), {device});
  torch::manual_seed(0);
  const auto x = torch::rand({batch, 3, 224, 224});
  model.warm_up({batch, 3, 224, 224}, 2);
  const auto secs = bench::time_runs([&] { model.forward(x); }, repeats, 0);
  const std::string note = "as loaded (infer's default), batch " + std::to_string(batch) + ", median of " + std::to_string(repeats);
  if (batch == 1) return {1e3 * bench::median(secs), "ms", false, note};
  return {batch / bench::median(secs), "images/s", true, note};
}

bench::Register b1("torchscript/mobilenet_v3_small_b1_ms", [](int cuda) { return mobilenet(cuda, 1, 50); });
bench::Register b64("torchscript/mobilenet_v3_small_b64_images", [](int cuda) { return mobilenet(cuda, 64, 3); });

}  // namespace
