#include "torchlab/interop/torchscript.h"

#include <caffe2/serialize/read_adapter_interface.h>

#include <cstring>
#include <iterator>
#include <sstream>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"
#include "torchlab/interop/libtorch_message.h"
#include "torchlab/interop/torchscript_archive.h"

namespace torchlab::interop {
namespace {

// Lets libtorch read the checked bytes in place instead of copying them into a stream.
class MemoryReader : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit MemoryReader(std::string_view bytes) : bytes_(bytes) {}
  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    n = std::min<uint64_t>(n, bytes_.size() - pos);
    std::memcpy(buf, bytes_.data() + pos, n);
    return n;
  }

 private:
  std::string_view bytes_;
};

}  // namespace

torch::jit::Module load_torchscript_bytes(std::string_view bytes, const std::string& source,
                                          const torch::Device& device) {
  check_torchscript_archive(bytes, source);
  std::string why;
  try {
    return torch::jit::load(std::make_shared<MemoryReader>(bytes), device);
  } catch (const c10::Error& e) {
    why = e.what_without_backtrace();
  } catch (const std::exception& e) {  // torch::jit::ErrorReport (TorchScript source that does not compile), ...
    why = e.what();
  }
  throw UserError(source + ": libtorch could not load this TorchScript archive: " + libtorch_message(why) +
                  " (was it saved by a newer PyTorch than libtorch " + TORCH_VERSION + "?)");
}

torch::jit::Module load_torchscript(std::istream& in, const std::string& source, const torch::Device& device) {
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw UserError(source + ": read error");
  return load_torchscript_bytes(bytes, source, device);
}

torch::jit::Module load_torchscript(const std::filesystem::path& path, const torch::Device& device) {
  if (std::filesystem::is_directory(path))
    throw UserError(path.string() + " is a folder, not a TorchScript file (saved by torch.jit.save)");
  return load_torchscript_bytes(read_file(path), path.string(), device);
}

std::vector<std::string> module_labels(const torch::jit::Module& module) {
  for (const char* name : {"labels", "class_names"}) {
    if (!module.hasattr(name)) continue;
    const auto value = module.attr(name);
    if (!value.isList()) continue;
    std::vector<std::string> labels;
    for (const auto& item : value.toListRef()) {
      if (!item.isString()) {
        labels.clear();
        break;
      }
      labels.push_back(item.toStringRef());
    }
    if (!labels.empty()) return labels;
  }
  return {};
}

ModuleSummary summarize(const torch::jit::Module& module) {
  ModuleSummary s;
  s.type_name = module.type()->name() ? module.type()->name()->qualifiedName() : "module";
  for (const auto& method : module.get_methods()) {
    if (method.name() == "forward") {
      s.methods.insert(s.methods.begin(), method.name());
      std::ostringstream schema;
      schema << method.function().getSchema();
      s.forward_schema = schema.str();
    } else {
      s.methods.push_back(method.name());
    }
  }
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    s.parameter_count += p.value.numel();
    ++s.parameter_tensors;
    s.dtypes[std::string(c10::toString(p.value.scalar_type()))] += p.value.numel();
    if (s.input_channels == 0 && p.value.dim() == 4) s.input_channels = p.value.size(1);
  }
  for (const auto& b : module.buffers(/*recurse=*/true)) s.buffer_count += b.numel();
  s.labels = module_labels(module);
  return s;
}

std::string format_summary(const ModuleSummary& s) {
  std::ostringstream out;
  out << "type:       " << s.type_name << "\n";
  out << "methods:    ";
  for (size_t i = 0; i < s.methods.size(); ++i) out << (i ? ", " : "") << s.methods[i];
  out << "\nforward:    " << (s.forward_schema.empty() ? "(none)" : s.forward_schema) << "\n";
  out << "parameters: " << s.parameter_count << " in " << s.parameter_tensors << " tensors";
  for (const auto& [dtype, n] : s.dtypes) out << ", " << dtype << " " << n;
  out << "\nbuffers:    " << s.buffer_count << "\n";
  if (s.input_channels) out << "input:      " << s.input_channels << " channels (the first 4-D weight)\n";
  if (!s.labels.empty()) {
    out << "labels:     " << s.labels.size() << " (";
    for (size_t i = 0; i < s.labels.size() && i < 10; ++i) out << (i ? ", " : "") << s.labels[i];
    out << (s.labels.size() > 10 ? ", ...)" : ")") << "\n";
  }
  return out.str();
}

}  // namespace torchlab::interop
