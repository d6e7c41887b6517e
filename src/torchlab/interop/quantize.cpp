#include "torchlab/interop/quantize.h"

#include <torch/torch.h>

#include "torchlab/core/error.h"

namespace torchlab::interop {

Safetensors quantize_rows_int8(const Safetensors& model) {
  Safetensors out;
  out.metadata = model.metadata;
  out.metadata["weights"] = "int8";
  for (const auto& [name, tensor] : model.tensors) {
    if (tensor.dim() != 2 || tensor.scalar_type() != torch::kFloat) {
      out.tensors[name] = tensor;
      continue;
    }
    const auto w = tensor.contiguous();
    auto scale = w.abs().amax(1) / 127.0f;
    scale = torch::where(scale > 0, scale, torch::ones_like(scale));  // an all-zero row stays zero
    out.tensors[name] = (w / scale.unsqueeze(1)).round().clamp(-127, 127).to(torch::kInt8);
    out.tensors[name + kScaleSuffix] = scale;
  }
  return out;
}

std::map<std::string, torch::Tensor> dequantize_rows_int8(const Safetensors& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, tensor] : model.tensors)
    if (tensor.scalar_type() != torch::kInt8) out[name] = tensor;
  for (const auto& [name, tensor] : model.tensors) {
    if (tensor.scalar_type() != torch::kInt8) continue;
    const auto scale = out.find(name + kScaleSuffix);
    if (scale == out.end() || tensor.dim() != 2 || scale->second.dim() != 1 || scale->second.size(0) != tensor.size(0))
      throw UserError("int8 tensor '" + name + "' has no matching '" + name + kScaleSuffix + "' [" +
                      std::to_string(tensor.size(0)) + "]");
    out[name] = tensor.to(torch::kFloat) * scale->second.to(torch::kFloat).unsqueeze(1);
    out.erase(scale);
  }
  return out;
}

}  // namespace torchlab::interop
