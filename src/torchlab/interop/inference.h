#pragma once
// Running a loaded TorchScript classifier: once prepared for inference, batches in, class probabilities out.
#include <torch/script.h>

#include <cstdint>
#include <string>
#include <vector>

namespace torchlab::interop {

struct InferenceOptions {
  torch::Device device = torch::kCPU;
  // Opt-in: eval(), torch::jit::freeze (parameters become constants, batch norm folds into conv) and
  // torch::jit::optimize_for_inference (on CPU: conv and linear through oneDNN with weights pre-packed). Off by
  // default: on libtorch 1.13 it moved mobilenet_v3_small's logits up to 0.19 away from PyTorch's (tests/interop).
  bool optimize = false;
};

enum class Softmax { Auto, On, Off };

// A TorchScript module ready to classify: loaded once, prepared once, run under c10::InferenceMode.
class InferenceModel {
 public:
  InferenceModel(torch::jit::Module module, const InferenceOptions& options);

  // Runs forward on an N x ... float batch (moved to the model's device) and returns its N x C float output on the
  // CPU; a tuple or list output gives its first tensor. An input the model rejects is a UserError showing the shape
  // sent and the model's own message.
  torch::Tensor forward(const torch::Tensor& batch);
  // Runs forward `runs` times on zeros of this shape so the graph executor's profiling and optimization passes are
  // done before anything is timed.
  void warm_up(const std::vector<int64_t>& shape, int runs = 2);

  const torch::Device& device() const { return options_.device; }
  // Empty when freeze + optimize_for_inference ran; else why the model runs as loaded.
  const std::string& unoptimized_reason() const { return unoptimized_reason_; }

 private:
  torch::jit::Module module_;
  InferenceOptions options_;
  std::string unoptimized_reason_;
};

// Class probabilities from a model's N x C output: Auto applies softmax unless every row is already non-negative and
// sums to 1 (within 1e-4); computed in float64.
torch::Tensor to_probabilities(const torch::Tensor& outputs, Softmax mode);

struct ClassScore {
  int64_t index = 0;
  double probability = 0;
};
// The k most probable classes of one row, most probable first (ties: lower index first).
std::vector<ClassScore> top_k(const torch::Tensor& probabilities_row, int64_t k);

}  // namespace torchlab::interop
