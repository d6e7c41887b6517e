#include "torchlab/interop/torchscript_export.h"

#include <sstream>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"

namespace torchlab::interop {

torch::jit::Module scripted_module(const std::string& class_name, const std::map<std::string, torch::Tensor>& tensors) {
  // One compilation unit for the module and its submodules, each class named after its path.
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module root(c10::QualifiedName("__torch__.torchlab." + class_name), cu);
  std::map<std::string, torch::jit::Module> submodules;  // by path
  for (const auto& [name, tensor] : tensors) {
    torch::jit::Module owner = root;
    std::string path = class_name;
    size_t start = 0;
    for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
      const auto part = name.substr(start, dot - start);
      path += "_" + part;
      auto it = submodules.find(path);
      if (it == submodules.end()) {
        torch::jit::Module child(c10::QualifiedName("__torch__.torchlab." + path), cu);
        owner.register_module(part, child);
        it = submodules.emplace(path, child).first;
      }
      owner = it->second;
      start = dot + 1;
    }
    owner.register_parameter(name.substr(start), tensor.detach().cpu().contiguous().clone(), false);
  }
  return root;
}

void set_attribute(torch::jit::Module& module, const std::string& name, const std::vector<std::string>& values) {
  c10::List<std::string> list;
  for (const auto& v : values) list.push_back(v);
  module.register_attribute(name, c10::ListType::ofStrings(), list);
}

void set_attribute(torch::jit::Module& module, const std::string& name, const std::vector<int64_t>& values) {
  module.register_attribute(name, c10::ListType::ofInts(), c10::List<int64_t>(values));
}

void set_attribute(torch::jit::Module& module, const std::string& name, const std::string& value) {
  module.register_attribute(name, c10::StringType::get(), value);
}

void set_attribute(torch::jit::Module& module, const std::string& name, int64_t value) {
  module.register_attribute(name, c10::IntType::get(), value);
}

void save_scripted(torch::jit::Module& module, const std::filesystem::path& path) {
  module.eval();
  std::ostringstream out;
  module.save(out);
  write_file_atomic(path, out.str());
}

}  // namespace torchlab::interop
