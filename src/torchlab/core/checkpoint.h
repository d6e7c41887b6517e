#pragma once
// One checkpoint file: JSON metadata, named tensors and named opaque blobs, with a CRC over the whole file.
// Written atomically; a truncated or corrupt file is detected before anything is parsed.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace torchlab {

constexpr int kCheckpointFormatVersion = 1;

struct Checkpoint {
  // Always holds "kind" (what wrote it, e.g. "char-rnn"); save() adds format_version, torchlab_version, torch_version.
  nlohmann::json meta = nlohmann::json::object();
  std::map<std::string, torch::Tensor> tensors;  // CPU, contiguous on save
  std::map<std::string, std::string> blobs;      // opaque bytes (optimizer archives, C++ RNG states)
};

std::string encode_checkpoint(const Checkpoint& ckpt);
// `source` names the file in error messages.
Checkpoint decode_checkpoint(const std::string& bytes, const std::string& source);

void save_checkpoint(Checkpoint ckpt, const std::filesystem::path& path);
// expected_kind empty = any kind. A missing, truncated or corrupt file, or one of another kind, is a UserError.
Checkpoint load_checkpoint(const std::filesystem::path& path, const std::string& expected_kind = "");

// Parameters and buffers of `module` stored as "<prefix>.<name>".
void put_module(Checkpoint& ckpt, const std::string& prefix, const torch::nn::Module& module);
// Checks every name and shape first (naming the first mismatch), then copies into the module's tensors in place.
void load_module(const Checkpoint& ckpt, const std::string& prefix, torch::nn::Module& module);

void put_optimizer(Checkpoint& ckpt, const std::string& name, torch::optim::Optimizer& optimizer);
void load_optimizer(const Checkpoint& ckpt, const std::string& name, torch::optim::Optimizer& optimizer);

// torch's CPU generator (and CUDA's when present) under "rng.torch_cpu"/"rng.torch_cuda".
void put_torch_rng(Checkpoint& ckpt);
void restore_torch_rng(const Checkpoint& ckpt);

// Any C++ engine with operator<< / operator>> (std::mt19937_64 ...) as a text blob.
template <typename Engine>
void put_engine(Checkpoint& ckpt, const std::string& name, const Engine& engine);
template <typename Engine>
void load_engine(const Checkpoint& ckpt, const std::string& name, Engine& engine);

const torch::Tensor& require_tensor(const Checkpoint& ckpt, const std::string& name);
const std::string& require_blob(const Checkpoint& ckpt, const std::string& name);

}  // namespace torchlab

#include <sstream>

namespace torchlab {
template <typename Engine>
void put_engine(Checkpoint& ckpt, const std::string& name, const Engine& engine) {
  std::ostringstream out;
  out << engine;
  ckpt.blobs[name] = out.str();
}
template <typename Engine>
void load_engine(const Checkpoint& ckpt, const std::string& name, Engine& engine) {
  std::istringstream in(require_blob(ckpt, name));
  in >> engine;
}
}  // namespace torchlab
