#pragma once
// PyTorch state_dict()s on torchlab modules. torchlab registers parameters under the names the equivalent PyTorch
// nn.Module uses ("rnn.weight_ih_l0", "fc1.weight"), so a state_dict is the module's parameters and buffers as they
// are named, and a file of weights made in Python loads with no renaming.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "torchlab/core/checkpoint.h"

namespace torchlab::interop {

using StateDict = std::map<std::string, torch::Tensor>;

// Parameters and buffers of `module` by name: CPU, contiguous, standard (NCHW) layout, detached.
StateDict state_dict(const torch::nn::Module& module);

// The tensors of a checkpoint stored with put_module(ckpt, prefix, ...), without the "<prefix>." part.
StateDict state_dict(const Checkpoint& ckpt, const std::string& prefix);

// PyTorch's strict load_state_dict: every mismatch (missing, unexpected, wrong shape, wrong dtype) listed in one
// UserError naming `source`; nothing is copied unless all match. Copies in place (layouts and bindings to the
// parameters' storage survive).
void load_state_dict(torch::nn::Module& module, const StateDict& tensors, const std::string& source);

// Where a run's starting weights came from, for its config.json: {"path", "bytes", "crc32"}.
nlohmann::json weights_provenance(const std::filesystem::path& path);

// Reads a safetensors file into `module` (load_state_dict) and returns weights_provenance(path).
nlohmann::json init_from_safetensors(torch::nn::Module& module, const std::filesystem::path& path);

}  // namespace torchlab::interop
