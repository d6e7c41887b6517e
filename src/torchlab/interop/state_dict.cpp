#include "torchlab/interop/state_dict.h"

#include <zlib.h>

#include <fstream>
#include <vector>

#include "torchlab/core/error.h"
#include "torchlab/interop/safetensors.h"

namespace torchlab::interop {
namespace {

std::string shape_text(torch::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

}  // namespace

StateDict state_dict(const torch::nn::Module& module) {
  StateDict out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value().detach().cpu().contiguous();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value().detach().cpu().contiguous();
  return out;
}

StateDict state_dict(const Checkpoint& ckpt, const std::string& prefix) {
  StateDict out;
  const auto start = prefix + ".";
  for (const auto& [name, t] : ckpt.tensors)
    if (name.compare(0, start.size(), start) == 0) out[name.substr(start.size())] = t.contiguous();
  return out;
}

void load_state_dict(torch::nn::Module& module, const StateDict& tensors, const std::string& source) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : module.named_parameters(true)) targets[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) targets[b.key()] = b.value();
  std::vector<std::string> missing, unexpected, shapes, dtypes;
  for (const auto& [name, target] : targets) {
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      missing.push_back(name);
    } else if (it->second.sizes() != target.sizes()) {
      shapes.push_back(name + " is " + shape_text(it->second.sizes()) + " in the file, " + shape_text(target.sizes()) +
                       " in the model");
    } else if (it->second.scalar_type() != target.scalar_type()) {
      dtypes.push_back(name + " is " + safetensors_dtype(it->second.scalar_type()) + " in the file, " +
                       safetensors_dtype(target.scalar_type()) + " in the model");
    }
  }
  for (const auto& [name, t] : tensors)
    if (!targets.count(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !shapes.empty() || !dtypes.empty()) {
    std::string msg = source + " does not fit the model:";
    if (!missing.empty()) msg += " missing keys: " + join(missing) + ";";
    if (!unexpected.empty()) msg += " unexpected keys: " + join(unexpected) + ";";
    if (!shapes.empty()) msg += " wrong shape: " + join(shapes) + ";";
    if (!dtypes.empty()) msg += " wrong dtype: " + join(dtypes) + " (convert before saving, e.g. .float());";
    msg.back() = '.';
    msg += " The model's state_dict names are: " + [&] {
      std::vector<std::string> names;
      for (const auto& [name, t] : targets) names.push_back(name + " " + shape_text(t.sizes()));
      return join(names);
    }();
    throw UserError(msg);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) target.copy_(tensors.at(name));
}

nlohmann::json weights_provenance(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path.string() + ": cannot open it");
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t bytes = 0;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), buffer.size());
    const auto got = in.gcount();
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<size_t>(got));
    bytes += got;
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc));
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  return {{"path", (ec ? path : absolute).string()}, {"bytes", bytes}, {"crc32", hex}};
}

nlohmann::json init_from_safetensors(torch::nn::Module& module, const std::filesystem::path& path) {
  const auto st = read_safetensors(path);
  load_state_dict(module, st.tensors, path.string());
  return weights_provenance(path);
}

}  // namespace torchlab::interop
