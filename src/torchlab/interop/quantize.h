#pragma once
// 8-bit weights for exported web pages: each row of a 2-D weight as int8 with one float32 scale (the row's largest
// magnitude / 127), so a page holds a quarter of the float32 bytes. Dequantizing is float(q) * scale, one float32
// multiply: the page (a Float32Array store) and native code get the same floats bit for bit.
#include "torchlab/interop/safetensors.h"

namespace torchlab::interop {

// Suffix of the scale tensor that goes with a quantized weight: "<name>" I8 [rows, cols], "<name>.scale" F32 [rows].
constexpr const char* kScaleSuffix = ".scale";

// Every 2-D float32 tensor becomes I8 + its scales; others are kept as they are. Metadata "weights" = "int8".
Safetensors quantize_rows_int8(const Safetensors& model);

// The float32 tensors the quantized file stands for (unquantized tensors pass through).
std::map<std::string, torch::Tensor> dequantize_rows_int8(const Safetensors& model);

}  // namespace torchlab::interop
