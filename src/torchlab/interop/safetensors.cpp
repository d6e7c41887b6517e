#include "torchlab/interop/safetensors.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this reader copies it as is"
#endif

namespace torchlab::interop {
namespace {

using json = nlohmann::json;

struct DtypeName {
  const char* name;
  torch::ScalarType type;
};
constexpr DtypeName kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};
// In the spec (or its newer revisions) but with no libtorch 1.13 tensor type to hold them.
constexpr const char* kUnsupported[] = {"U16",     "U32",     "U64",     "F8_E4M3", "F8_E5M2",
                                        "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4",      "C64"};

// One tensor's entry of the header, checked.
struct Entry {
  std::string name;
  torch::ScalarType type;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::vector<Entry> entries;  // in data order
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // file offset of the data buffer (8 + N)
};

std::string in_quotes(const std::string& name) { return "'" + name + "'"; }

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is the useful part.
std::string json_message(const std::exception& e) {
  std::string m = e.what();
  if (!m.empty() && m[0] == '[') {
    const auto close = m.find("] ");
    if (close != std::string::npos) m = m.substr(close + 2);
  }
  return m;
}

class HeaderParser {
 public:
  HeaderParser(std::string_view text, uint64_t data_size, const std::string& source)
      : text_(text), data_size_(data_size), source_(source) {}

  Header parse() {
    if (text_.empty() || text_[0] != '{')
      fail("the JSON header at byte 8 does not start with '{' (is this a safetensors file?)");
    json root;
    std::vector<std::set<std::string>> keys;  // the keys seen so far in each open object
    std::optional<std::string> duplicate;
    auto callback = [&](int, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) keys.emplace_back();
      if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
      if (event == json::parse_event_t::key && !keys.empty() && !duplicate) {
        const auto key = parsed.get<std::string>();
        if (!keys.back().insert(key).second) duplicate = key;
      }
      return true;
    };
    try {
      root = json::parse(text_.begin(), text_.end(), callback);
    } catch (const json::parse_error& e) {
      fail("the header is not valid JSON at byte " + std::to_string(8 + (e.byte > 0 ? e.byte - 1 : 0)) + ": " +
           json_message(e));
    } catch (const json::exception& e) {
      fail("the header is not valid JSON: " + json_message(e));
    }
    if (duplicate)
      fail("the header names " + in_quotes(*duplicate) + " twice (at byte " + std::to_string(second_key(*duplicate)) +
           "): names must be unique");
    if (!root.is_object()) fail("the header at byte 8 is not a JSON object");

    Header h;
    h.data_start = 8 + text_.size();
    for (const auto& [name, value] : root.items()) {
      if (name == "__metadata__")
        h.metadata = metadata(value);
      else
        h.entries.push_back(entry(name, value));
    }
    check_layout(h.entries);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw UserError(source_ + ": " + what); }

  // File offset of a key's first (or second) appearance in the header, for messages.
  uint64_t key_byte(const std::string& name, size_t from = 0) const {
    const auto pos = text_.find(json(name).dump(), from);
    return 8 + (pos == std::string_view::npos ? 0 : pos);
  }
  uint64_t second_key(const std::string& name) const {
    const auto first = text_.find(json(name).dump());
    return first == std::string_view::npos ? 8 : key_byte(name, first + 1);
  }
  std::string at_key(const std::string& name) const {
    return "tensor " + in_quotes(name) + " (header byte " + std::to_string(key_byte(name)) + ")";
  }

  std::map<std::string, std::string> metadata(const json& value) const {
    const auto where = " (header byte " + std::to_string(key_byte("__metadata__")) + ")";
    if (!value.is_object()) fail("__metadata__" + where + " is a " + value.type_name() + ", not a map of strings");
    std::map<std::string, std::string> out;
    for (const auto& [key, v] : value.items()) {
      if (!v.is_string())
        fail("__metadata__" + where + ": the value of " + in_quotes(key) + " is a " + v.type_name() +
             ", but metadata values must be strings");
      out[key] = v.get<std::string>();
    }
    return out;
  }

  // A JSON number that is a whole number >= 0 and fits int64.
  static bool whole(const json& v) {
    return v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
  }

  Entry entry(const std::string& name, const json& value) const {
    const auto where = at_key(name);
    if (!value.is_object())
      fail(where + " is a " + std::string(value.type_name()) + ", not {dtype, shape, data_offsets}");
    for (const auto& [key, v] : value.items())
      if (key != "dtype" && key != "shape" && key != "data_offsets")
        fail(where + " has an unknown field " + in_quotes(key) + " (expected dtype, shape, data_offsets)");
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!value.contains(key)) fail(where + " has no " + key);
    Entry e;
    e.name = name;
    e.type = dtype(where, value["dtype"]);

    const auto& shape = value["shape"];
    if (!shape.is_array()) fail(where + ": shape is a " + std::string(shape.type_name()) + ", not a list");
    // The element count, computed over max(dim, 1) so a zero dimension cannot hide an overflowing one.
    uint64_t numel = 1, bound = 1;
    for (const auto& d : shape) {
      if (!whole(d)) fail(where + ": shape " + shape.dump() + " holds " + d.dump() + ", not a size >= 0");
      const uint64_t n = d.get<uint64_t>();
      if (__builtin_mul_overflow(bound, std::max<uint64_t>(n, 1), &bound) ||
          bound > uint64_t(std::numeric_limits<int64_t>::max()))
        fail(where + ": shape " + shape.dump() + " has more elements than fit in 64 bits");
      numel *= n;
      e.shape.push_back(static_cast<int64_t>(n));
    }
    const uint64_t item = c10::elementSize(e.type);
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(numel, item, &bytes))
      fail(where + ": shape " + shape.dump() + " needs more bytes than fit in 64 bits");

    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !whole(offsets[0]) || !whole(offsets[1]))
      fail(where + ": data_offsets " + offsets.dump() + " is not [begin, end] (two whole numbers)");
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    if (e.begin > e.end)
      fail(where + ": data_offsets " + offsets.dump() + " end before they begin (file byte " + file_byte(e.begin) +
           ")");
    if (e.end > data_size_)
      fail(where + ": data_offsets " + offsets.dump() + " run past the end of the data (" + std::to_string(data_size_) +
           " bytes, ending at file byte " + file_byte(data_size_) + ")");
    if (e.end - e.begin != bytes)
      fail(where + " at file byte " + file_byte(e.begin) + " holds " + std::to_string(e.end - e.begin) +
           " bytes, but " + safetensors_dtype(e.type) + " x " + shape_text(e.shape) + " needs " +
           std::to_string(bytes));
    return e;
  }

  torch::ScalarType dtype(const std::string& where, const json& v) const {
    if (!v.is_string()) fail(where + ": dtype is " + v.dump() + ", not a string such as \"F32\"");
    const auto name = v.get<std::string>();
    for (const auto& d : kDtypes)
      if (name == d.name) return d.type;
    for (const char* u : kUnsupported)
      if (name == u)
        fail(where + ": dtype " + name +
             " is valid safetensors but has no libtorch tensor type here; convert it to F32, F16, BF16 or I64 "
             "before saving");
    std::string known;
    for (const auto& d : kDtypes) known += std::string(known.empty() ? "" : ", ") + d.name;
    fail(where + ": unknown dtype " + v.dump() + " (expected one of " + known + ")");
  }

  std::string file_byte(uint64_t data_offset) const { return std::to_string(8 + text_.size() + data_offset); }

  // Sorted by offset, each tensor must start where the previous one ends, and the last end where the data does.
  void check_layout(std::vector<Entry>& entries) const {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    uint64_t expected = 0;
    const Entry* previous = nullptr;
    for (const auto& e : entries) {
      if (e.begin < expected)
        fail("tensor " + in_quotes(e.name) + " [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
             ") overlaps tensor " + in_quotes(previous->name) + " [" + std::to_string(previous->begin) + ", " +
             std::to_string(previous->end) + ") at file byte " + file_byte(e.begin));
      if (e.begin > expected)
        fail("data bytes [" + std::to_string(expected) + ", " + std::to_string(e.begin) + ") (file byte " +
             file_byte(expected) + ") belong to no tensor: a hole before tensor " + in_quotes(e.name));
      expected = e.end;
      previous = &e;
    }
    if (expected != data_size_)
      fail("data bytes [" + std::to_string(expected) + ", " + std::to_string(data_size_) + ") (file byte " +
           file_byte(expected) + ") belong to no tensor" +
           (previous ? ": a hole after tensor " + in_quotes(previous->name) : std::string(": the header lists none")));
  }

  std::string_view text_;
  uint64_t data_size_;
  const std::string& source_;
};

uint64_t read_le64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Checks the length prefix against the file size; returns N.
uint64_t header_length(const char* prefix, uint64_t file_size, const std::string& source) {
  if (file_size < 8)
    throw UserError(source + ": " + std::to_string(file_size) +
                    " bytes, too short for a safetensors file (it starts with an 8-byte header length)");
  const uint64_t n = read_le64(prefix);
  if (n > kMaxSafetensorsHeader)
    throw UserError(source + ": the header length at byte 0 is " + std::to_string(n) +
                    " bytes, over safetensors' limit of 100 MB (is this a safetensors file?)");
  if (n > file_size - 8)
    throw UserError(source + ": the header length at byte 0 is " + std::to_string(n) +
                    " bytes, past the end of the file (" + std::to_string(file_size) + " bytes)");
  return n;
}

Header parse_header(std::string_view header, uint64_t file_size, const std::string& source) {
  return HeaderParser(header, file_size - 8 - header.size(), source).parse();
}

// BOOL bytes other than 0 and 1 are not booleans libtorch can hold.
void check_bools(const Entry& e, const torch::Tensor& t, uint64_t data_start, const std::string& source) {
  if (e.type != torch::kBool) return;
  const auto* p = reinterpret_cast<const unsigned char*>(t.data_ptr());
  for (int64_t i = 0; i < t.numel(); ++i)
    if (p[i] > 1)
      throw UserError(source + ": tensor " + in_quotes(e.name) + " is BOOL but its byte at file byte " +
                      std::to_string(data_start + e.begin + i) + " is " + std::to_string(p[i]) + ", not 0 or 1");
}

}  // namespace

std::string safetensors_dtype(torch::ScalarType type) {
  for (const auto& d : kDtypes)
    if (d.type == type) return d.name;
  throw UserError(std::string("dtype ") + c10::toString(type) + " has no safetensors name");
}

Safetensors decode_safetensors(const std::string& bytes, const std::string& source) {
  const uint64_t n = header_length(bytes.data(), bytes.size(), source);
  const Header h = parse_header(std::string_view(bytes).substr(8, n), bytes.size(), source);
  Safetensors out;
  out.metadata = h.metadata;
  for (const auto& e : h.entries) {
    auto t = torch::empty(e.shape, torch::TensorOptions().dtype(e.type));
    if (e.end > e.begin) std::memcpy(t.data_ptr(), bytes.data() + h.data_start + e.begin, e.end - e.begin);
    check_bools(e, t, h.data_start, source);
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

Safetensors read_safetensors(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UserError(source + " is a folder, not a safetensors file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(source + ": cannot open it (does it exist, is it readable?)");
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw UserError(source + ": cannot read its size: " + ec.message());
  char prefix[8] = {};
  in.read(prefix, std::min<uint64_t>(size, 8));
  const uint64_t n = header_length(prefix, size, source);
  std::string header(n, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(n)))
    throw UserError(source + ": the file ended inside its header (it changed while being read?)");
  const Header h = parse_header(header, size, source);
  Safetensors out;
  out.metadata = h.metadata;
  for (const auto& e : h.entries) {  // in data order, so the reads are sequential
    auto t = torch::empty(e.shape, torch::TensorOptions().dtype(e.type));
    if (e.end > e.begin && !in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(e.end - e.begin)))
      throw UserError(source + ": the file ended inside tensor " + in_quotes(e.name) + " (at file byte " +
                      std::to_string(h.data_start + e.begin) + "; it changed while being read?)");
    check_bools(e, t, h.data_start, source);
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

std::string encode_safetensors(const Safetensors& st) {
  json header = json::object();
  if (!st.metadata.empty()) header["__metadata__"] = st.metadata;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : st.tensors) {
    if (name == "__metadata__") throw UserError("a tensor cannot be named __metadata__ in a safetensors file");
    if (!tensor.defined()) throw UserError("tensor " + in_quotes(name) + " is undefined");
    const auto dtype = safetensors_dtype(tensor.scalar_type());
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(t));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((uint64_t(text.size()) >> (8 * i)) & 0xff));
  out += text;
  for (const auto& t : data) out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return out;
}

void write_safetensors(const std::filesystem::path& path, const Safetensors& st) {
  write_file_atomic(path, encode_safetensors(st));
}

}  // namespace torchlab::interop
