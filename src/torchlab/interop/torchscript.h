#pragma once
// TorchScript modules from files or bytes (torch.jit.save in Python, Module::save in C++), checked before libtorch
// reads them so that a bad file is a UserError that says what it is, never an abort.
#include <torch/script.h>

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace torchlab::interop {

// Loads a TorchScript archive from memory; `source` names it in errors (a file name, "<bytes>"). Any bytes give either
// a module or a UserError: not a zip, a legacy pickle, a torch.save() state_dict, a corrupt archive, or libtorch's own
// message when it refuses the content.
torch::jit::Module load_torchscript_bytes(std::string_view bytes, const std::string& source,
                                          const torch::Device& device = torch::kCPU);
torch::jit::Module load_torchscript(std::istream& in, const std::string& source,
                                    const torch::Device& device = torch::kCPU);
torch::jit::Module load_torchscript(const std::filesystem::path& path, const torch::Device& device = torch::kCPU);

// What `torchlab infer --describe` prints.
struct ModuleSummary {
  std::string type_name;             // e.g. __torch__.torchvision.models.mobilenetv3.MobileNetV3
  std::vector<std::string> methods;  // the top module's methods, forward first
  std::string forward_schema;        // e.g. forward(__torch__.X self, Tensor x) -> Tensor
  int64_t parameter_count = 0;       // elements over all parameters
  int64_t parameter_tensors = 0;
  std::map<std::string, int64_t> dtypes;  // parameter elements by dtype name
  int64_t buffer_count = 0;               // elements over all buffers (batch-norm statistics, ...)
  int64_t input_channels = 0;             // dim 1 of the first 4-D parameter (the first conv), 0 when there is none
  std::vector<std::string> labels;        // from a `labels` or `class_names` attribute, empty when there is none
};
ModuleSummary summarize(const torch::jit::Module& module);
std::string format_summary(const ModuleSummary& summary);

// Class names carried by the module: a list-of-strings attribute `labels` or `class_names` (torchlab's own exports
// carry `labels`). Empty when there is none.
std::vector<std::string> module_labels(const torch::jit::Module& module);

}  // namespace torchlab::interop
