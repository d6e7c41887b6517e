#pragma once
// safetensors (Hugging Face's weight format), read and written to its spec:
//   8 bytes   N, the header length, unsigned little-endian
//   N bytes   a JSON object: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//             "__metadata__": {"<key>": "<string>", ...} (optional)}; padded with spaces (the writer pads to 8)
//   the rest  the tensors' little-endian bytes; offsets count from here, cover it exactly, without holes or overlaps.
// Every malformed file is a UserError naming the file, the tensor and the byte offset (counted from the file's start).
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace torchlab::interop {

// The largest header accepted (the spec's limit).
constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

struct Safetensors {
  std::map<std::string, torch::Tensor> tensors;  // read: CPU, contiguous; write: any device or layout
  std::map<std::string, std::string> metadata;   // the "__metadata__" map
};

// Parses a whole file held in memory; `source` names it in errors. Checks everything before allocating a tensor.
Safetensors decode_safetensors(const std::string& bytes, const std::string& source);
// Reads a file: the header first, then each tensor's bytes straight into its storage (the file is read once).
Safetensors read_safetensors(const std::filesystem::path& path);

// The file's bytes: tensors in name order, header padded with spaces to a multiple of 8. A dtype outside the spec
// (complex, quantized) or the name "__metadata__" is a UserError.
std::string encode_safetensors(const Safetensors& st);
// encode_safetensors, written atomically (core/atomic_file.h).
void write_safetensors(const std::filesystem::path& path, const Safetensors& st);

// The spec's name of a dtype ("F32", "BF16", "I64", "BOOL", ...); UserError for one it has none for.
std::string safetensors_dtype(torch::ScalarType type);

}  // namespace torchlab::interop
