// The safetensors reader on arbitrary bytes (weights from Python for --init-from): decode_safetensors, then every
// tensor read in full, so a wrong offset or shape that slipped past the checks shows up as an ASan report.
// fuzz-sources: interop/safetensors.cpp core/atomic_file.cpp
// fuzz-max-len: 16384
#include "torchlab/interop/safetensors.h"

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "torchlab/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto st = torchlab::interop::decode_safetensors(std::string(reinterpret_cast<const char*>(data), size),
                                                          "fuzz.safetensors");
    for (const auto& [name, tensor] : st.tensors) {
      if (tensor.numel() > 0) (void)tensor.to(torch::kDouble).sum().item<double>();
    }
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
