#include "torchlab/core/checkpoint.h"

#include <zlib.h>

#include <cstring>
#include <sstream>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/compat.h"
#include "torchlab/core/error.h"
#include "torchlab/core/version.h"

namespace torchlab {
namespace {

constexpr char kMagic[8] = {'T', 'L', 'C', 'K', 'P', 'T', '0', '1'};

class Writer {
 public:
  void bytes(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  template <typename T>
  void pod(T v) {
    bytes(&v, sizeof v);
  }
  void str(const std::string& s) {
    pod<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& data, size_t end, std::string source)
      : data_(data), end_(end), source_(std::move(source)) {}
  const char* take(size_t n) {
    if (n > end_ - pos_) fail("ends early");
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
  T pod() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  std::string str() {
    auto n = pod<uint64_t>();
    const char* p = take(n);
    return std::string(p, n);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError("checkpoint " + source_ + " is corrupt: " + what + " at byte " + std::to_string(pos_) +
                    "; use an earlier checkpoint or retrain");
  }
  size_t pos() const { return pos_; }

 private:
  const std::string& data_;
  size_t end_;
  size_t pos_ = 0;
  std::string source_;
};

std::string shape_text(c10::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// The element types a checkpoint may hold (what encode_checkpoint writes for torchlab's tensors).
bool stored_dtype(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Byte:
    case c10::ScalarType::Char:
    case c10::ScalarType::Short:
    case c10::ScalarType::Int:
    case c10::ScalarType::Long:
    case c10::ScalarType::Half:
    case c10::ScalarType::Float:
    case c10::ScalarType::Double:
    case c10::ScalarType::ComplexFloat:
    case c10::ScalarType::ComplexDouble:
    case c10::ScalarType::Bool:
    case c10::ScalarType::BFloat16:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string encode_checkpoint(const Checkpoint& ckpt) {
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.pod<uint32_t>(kCheckpointFormatVersion);
  w.str(ckpt.meta.dump());
  w.pod<uint64_t>(ckpt.tensors.size());
  for (const auto& [name, tensor] : ckpt.tensors) {
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    w.str(name);
    w.pod<int8_t>(static_cast<int8_t>(t.scalar_type()));
    w.pod<uint8_t>(static_cast<uint8_t>(t.dim()));
    for (auto d : t.sizes()) w.pod<int64_t>(d);
    const uint64_t nbytes = t.numel() * t.element_size();
    w.pod<uint64_t>(nbytes);
    w.bytes(t.data_ptr(), nbytes);
  }
  w.pod<uint64_t>(ckpt.blobs.size());
  for (const auto& [name, blob] : ckpt.blobs) {
    w.str(name);
    w.str(blob);
  }
  const uint32_t crc = crc32_z(0L, reinterpret_cast<const Bytef*>(w.out().data()), w.out().size());
  w.pod<uint32_t>(crc);
  return std::move(w.out());
}

Checkpoint decode_checkpoint(const std::string& bytes, const std::string& source) {
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw UserError(
        source + " is not a torchlab checkpoint (bad header" +
        (bytes.size() < sizeof kMagic + 4 ? std::string(", only ") + std::to_string(bytes.size()) + " bytes" : "") +
        ")");
  const size_t body = bytes.size() - 4;
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + body, 4);
  if (crc32_z(0L, reinterpret_cast<const Bytef*>(bytes.data()), body) != stored)
    throw UserError("checkpoint " + source + " is truncated or corrupt (checksum mismatch over " +
                    std::to_string(bytes.size()) + " bytes); use an earlier checkpoint or retrain");
  Reader r(bytes, body, source);
  r.take(sizeof kMagic);
  const auto version = r.pod<uint32_t>();
  if (version != kCheckpointFormatVersion)
    throw UserError("checkpoint " + source + " has format version " + std::to_string(version) +
                    "; this torchlab reads " + std::to_string(kCheckpointFormatVersion));
  Checkpoint ckpt;
  try {
    ckpt.meta = nlohmann::json::parse(r.str());
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("metadata is not JSON (") + e.what() + ")");
  }
  if (!ckpt.meta.is_object()) r.fail("metadata is not a JSON object");
  if (ckpt.meta.contains("kind") && !ckpt.meta["kind"].is_string()) r.fail("metadata's kind is not a string");
  const auto n_tensors = r.pod<uint64_t>();
  for (uint64_t i = 0; i < n_tensors; ++i) {
    std::string name = r.str();
    const auto dtype = static_cast<c10::ScalarType>(r.pod<int8_t>());
    if (!stored_dtype(dtype)) r.fail("tensor " + name + " has an unknown element type");
    const auto ndim = r.pod<uint8_t>();
    std::vector<int64_t> sizes(ndim);
    for (auto& d : sizes) d = r.pod<int64_t>();
    const auto nbytes = r.pod<uint64_t>();
    // Sizes and byte count must agree before anything is allocated: a corrupt size would ask for exabytes. libtorch
    // also refuses sizes whose product overflows even when another size is 0, so the non-zero sizes times the
    // element size must fit an int64.
    uint64_t product = c10::elementSize(dtype);
    bool empty = false;
    for (auto d : sizes) {
      if (d < 0) r.fail("tensor " + name + " has a negative size");
      if (d == 0) {
        empty = true;
      } else if (product > static_cast<uint64_t>(INT64_MAX) / static_cast<uint64_t>(d)) {
        r.fail("tensor " + name + " has sizes too large for any file");
      } else {
        product *= static_cast<uint64_t>(d);
      }
    }
    if ((empty ? 0 : product) != nbytes) r.fail("tensor " + name + " has a wrong byte count");
    const char* data = r.take(nbytes);
    auto t = torch::empty(sizes, torch::TensorOptions().dtype(dtype));
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, nbytes);
    if (!ckpt.tensors.emplace(std::move(name), std::move(t)).second) r.fail("a tensor name appears twice");
  }
  const auto n_blobs = r.pod<uint64_t>();
  for (uint64_t i = 0; i < n_blobs; ++i) {
    std::string name = r.str();
    if (!ckpt.blobs.emplace(std::move(name), r.str()).second) r.fail("a blob name appears twice");
  }
  if (r.pos() != body) r.fail("unexpected bytes after the last entry");
  return ckpt;
}

void save_checkpoint(Checkpoint ckpt, const std::filesystem::path& path) {
  ckpt.meta["format_version"] = kCheckpointFormatVersion;
  ckpt.meta["torchlab_version"] = TORCHLAB_VERSION;
  ckpt.meta["torch_version"] = compat::torch_version();
  write_file_atomic(path, encode_checkpoint(ckpt));
}

Checkpoint load_checkpoint(const std::filesystem::path& path, const std::string& expected_kind) {
  if (!std::filesystem::exists(path)) throw UserError("checkpoint " + path.string() + " does not exist");
  Checkpoint ckpt = decode_checkpoint(read_file(path), path.string());
  const std::string kind = ckpt.meta.value("kind", "");
  if (!expected_kind.empty() && kind != expected_kind)
    throw UserError(path.string() + " is a '" + kind + "' checkpoint, but this command needs a '" + expected_kind +
                    "' checkpoint");
  return ckpt;
}

void put_module(Checkpoint& ckpt, const std::string& prefix, const torch::nn::Module& module) {
  for (const auto& p : module.named_parameters(true)) ckpt.tensors[prefix + "." + p.key()] = p.value().detach().cpu();
  for (const auto& b : module.named_buffers(true)) ckpt.tensors[prefix + "." + b.key()] = b.value().detach().cpu();
}

void load_module(const Checkpoint& ckpt, const std::string& prefix, torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : module.named_parameters(true)) targets.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) targets.emplace_back(b.key(), b.value());
  for (const auto& [name, target] : targets) {
    auto it = ckpt.tensors.find(prefix + "." + name);
    if (it == ckpt.tensors.end())
      throw UserError("checkpoint has no tensor '" + prefix + "." + name + "' that the model needs (" +
                      ckpt.meta.value("kind", std::string("?")) + " checkpoint of another architecture?)");
    if (it->second.sizes() != target.sizes())
      throw UserError("tensor '" + prefix + "." + name + "' has shape " + shape_text(it->second.sizes()) +
                      " in the checkpoint but " + shape_text(target.sizes()) + " in the model");
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) target.copy_(ckpt.tensors.at(prefix + "." + name));
}

void put_optimizer(Checkpoint& ckpt, const std::string& name, torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  ckpt.blobs[name] = out.str();
}

void load_optimizer(const Checkpoint& ckpt, const std::string& name, torch::optim::Optimizer& optimizer) {
  std::istringstream in(require_blob(ckpt, name));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(in);
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    throw UserError("optimizer state '" + name +
                    "' in the checkpoint does not fit this optimizer: " + e.what_without_backtrace());
  }
}

void put_torch_rng(Checkpoint& ckpt) { ckpt.tensors["rng.torch_cpu"] = compat::cpu_rng_state().clone(); }

void restore_torch_rng(const Checkpoint& ckpt) { compat::set_cpu_rng_state(require_tensor(ckpt, "rng.torch_cpu")); }

const torch::Tensor& require_tensor(const Checkpoint& ckpt, const std::string& name) {
  auto it = ckpt.tensors.find(name);
  if (it == ckpt.tensors.end()) throw UserError("checkpoint has no tensor '" + name + "'");
  return it->second;
}

const std::string& require_blob(const Checkpoint& ckpt, const std::string& name) {
  auto it = ckpt.blobs.find(name);
  if (it == ckpt.blobs.end()) throw UserError("checkpoint has no entry '" + name + "'");
  return it->second;
}

}  // namespace torchlab
