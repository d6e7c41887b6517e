#pragma once
// Building TorchScript modules from torchlab's weights: a torch::jit::Module whose parameters are registered under
// their state_dict names (submodules made along the dots, so Python's state_dict() of the loaded module matches) and
// whose methods are TorchScript source compiled by Module::define. Saved archives load in Python's torch.jit.load.
#include <torch/script.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace torchlab::interop {

// A module of class `class_name` holding `tensors` as parameters ("rnn.weight_ih_l0" -> submodule rnn, parameter
// weight_ih_l0). Methods come next with module.define(source).
torch::jit::Module scripted_module(const std::string& class_name, const std::map<std::string, torch::Tensor>& tensors);

void set_attribute(torch::jit::Module& module, const std::string& name, const std::vector<std::string>& values);
void set_attribute(torch::jit::Module& module, const std::string& name, const std::vector<int64_t>& values);
void set_attribute(torch::jit::Module& module, const std::string& name, const std::string& value);
void set_attribute(torch::jit::Module& module, const std::string& name, int64_t value);

// Saves in eval mode, atomically (core/atomic_file.h).
void save_scripted(torch::jit::Module& module, const std::filesystem::path& path);

}  // namespace torchlab::interop
