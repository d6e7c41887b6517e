#include "torchlab/interop/torchscript_archive.h"

#include <algorithm>
#include <set>

#include "torchlab/core/error.h"

namespace torchlab::interop {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;    // PK\3\4
constexpr uint32_t kCentralHeader = 0x02014b50;  // PK\1\2
constexpr uint32_t kEndRecord = 0x06054b50;      // PK\5\6
constexpr uint32_t kZip64End = 0x06064b50;       // PK\6\6
constexpr uint32_t kZip64Locator = 0x07064b50;   // PK\6\7

const char* const kSaveAdvice =
    "save the model with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path), or "
    "export its weights as safetensors";

// Little-endian reads that refuse to go past the end: every offset in a zip comes from the file itself.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}
  uint64_t size() const { return bytes_.size(); }
  uint64_t le(uint64_t at, int width, const char* what) const {
    need(at, width, what);
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes_[at + i]);
    return v;
  }
  std::string_view text(uint64_t at, uint64_t n, const char* what) const {
    need(at, n, what);
    return bytes_.substr(at, n);
  }
  void need(uint64_t at, uint64_t n, const char* what) const {
    if (at > bytes_.size() || n > bytes_.size() - at)
      fail(std::string(what) + " at byte " + std::to_string(at) + " runs past the end of the file (" +
           std::to_string(bytes_.size()) + " bytes): the archive is truncated or corrupt");
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw UserError(source_ + ": not a readable TorchScript archive: " + why);
  }

 private:
  std::string_view bytes_;
  const std::string& source_;
};

struct EndRecord {
  uint64_t entries = 0;
  uint64_t directory_size = 0;
  uint64_t directory_offset = 0;
  uint64_t position = 0;
};

EndRecord find_end_record(const Reader& r) {
  if (r.size() < 22) r.fail("shorter than a zip's end record");
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  const uint64_t lowest = r.size() >= 22 + 65535 ? r.size() - 22 - 65535 : 0;
  for (uint64_t at = r.size() - 22 + 1; at-- > lowest;) {
    if (r.le(at, 4, "end record") != kEndRecord) continue;
    if (at + 22 + r.le(at + 20, 2, "comment length") != r.size()) continue;  // a PK\5\6 inside some data
    EndRecord e;
    e.position = at;
    e.entries = r.le(at + 10, 2, "entry count");
    e.directory_size = r.le(at + 12, 4, "directory size");
    e.directory_offset = r.le(at + 16, 4, "directory offset");
    if (e.entries == 0xffff || e.directory_size == 0xffffffff || e.directory_offset == 0xffffffff) {
      // Zip64: the real values are in the zip64 end record, found through the locator just before.
      if (at < 20 || r.le(at - 20, 4, "zip64 locator") != kZip64Locator) r.fail("zip64 locator missing");
      const uint64_t z = r.le(at - 20 + 8, 8, "zip64 end offset");
      if (r.le(z, 4, "zip64 end record") != kZip64End) r.fail("zip64 end record missing at byte " + std::to_string(z));
      e.entries = r.le(z + 32, 8, "zip64 entry count");
      e.directory_size = r.le(z + 40, 8, "zip64 directory size");
      e.directory_offset = r.le(z + 48, 8, "zip64 directory offset");
    }
    if (e.directory_offset > at || e.directory_size > at - e.directory_offset)
      r.fail("the central directory (byte " + std::to_string(e.directory_offset) + ", " +
             std::to_string(e.directory_size) + " bytes) lies outside the file");
    return e;
  }
  r.fail("no zip end record: the file is truncated or not a zip");
}

// Sizes and the local header offset of a central entry, from its zip64 extra field where the 32-bit ones are full.
void apply_zip64_extra(const Reader& r, uint64_t extra, uint64_t extra_len, uint64_t& size, uint64_t& compressed,
                       uint64_t& local) {
  for (uint64_t at = extra; at + 4 <= extra + extra_len;) {
    const uint64_t id = r.le(at, 2, "extra field"), len = r.le(at + 2, 2, "extra field length");
    if (at + 4 + len > extra + extra_len) r.fail("an extra field runs past its entry at byte " + std::to_string(at));
    if (id == 1) {
      uint64_t p = at + 4, end = at + 4 + len;
      for (uint64_t* v : {&size, &compressed, &local}) {
        if (*v != 0xffffffff) continue;
        if (p + 8 > end) r.fail("a zip64 extra field is too short at byte " + std::to_string(at));
        *v = r.le(p, 8, "zip64 value");
        p += 8;
      }
      return;
    }
    at += 4 + len;
  }
}

bool has_prefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

ArchiveListing list_zip_archive(std::string_view bytes, const std::string& source) {
  const Reader r(bytes, source);
  if (bytes.size() < 4 || r.le(0, 4, "header") != kLocalHeader) {
    if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80)
      throw UserError(source +
                      ": a Python pickle (torch.save in the legacy, pre-1.6 format), not a TorchScript archive: a "
                      "pickle holds Python objects that only Python can rebuild; " +
                      kSaveAdvice);
    throw UserError(source +
                    ": not a TorchScript archive (a TorchScript file is a zip and starts with \"PK\"; this one " +
                    (bytes.empty() ? std::string("is empty") : "does not") + "): " + kSaveAdvice);
  }
  const EndRecord end = find_end_record(r);
  ArchiveListing listing;
  std::set<std::string> seen;
  uint64_t at = end.directory_offset;
  const uint64_t directory_end = end.directory_offset + end.directory_size;
  if (end.entries > end.directory_size / 46) r.fail("the entry count does not fit the central directory");
  for (uint64_t i = 0; i < end.entries; ++i) {
    if (at + 46 > directory_end) r.fail("central directory entry " + std::to_string(i) + " runs past the directory");
    if (r.le(at, 4, "central entry") != kCentralHeader)
      r.fail("central directory entry " + std::to_string(i) + " at byte " + std::to_string(at) +
             " has a bad signature");
    const uint64_t flags = r.le(at + 8, 2, "flags"), method = r.le(at + 10, 2, "method");
    uint64_t compressed = r.le(at + 20, 4, "compressed size"), size = r.le(at + 24, 4, "size");
    const uint64_t name_len = r.le(at + 28, 2, "name length"), extra_len = r.le(at + 30, 2, "extra length");
    const uint64_t comment_len = r.le(at + 32, 2, "comment length");
    uint64_t local = r.le(at + 42, 4, "local header offset");
    if (at + 46 + name_len + extra_len + comment_len > directory_end)
      r.fail("central directory entry " + std::to_string(i) + " runs past the directory");
    ArchiveEntry entry;
    entry.name = std::string(r.text(at + 46, name_len, "entry name"));
    apply_zip64_extra(r, at + 46 + name_len, extra_len, size, compressed, local);
    const std::string where = "entry \"" + entry.name + "\" (central directory byte " + std::to_string(at) + ")";
    if (entry.name.empty() || !seen.insert(entry.name).second) r.fail(where + ": empty or repeated name");
    if (flags & 1) r.fail(where + " is encrypted");
    // PyTorch stores tensors and deflates code files. Deflate expands at most ~1032:1: a larger claimed size would
    // only make the reader allocate it.
    if ((method != 0 && method != 8) || (method == 0 && compressed != size) || size > 1032 * compressed + 1024)
      r.fail(where + ": compression method " + std::to_string(method) + " with sizes " + std::to_string(compressed) +
             " -> " + std::to_string(size) + " is not what torch.jit.save writes");
    if (r.le(local, 4, "local header") != kLocalHeader)
      r.fail(where + ": no local header at byte " + std::to_string(local));
    const uint64_t local_name = r.le(local + 26, 2, "local name length");
    const uint64_t local_extra = r.le(local + 28, 2, "local extra length");
    if (r.text(local + 30, local_name, "local name") != entry.name)
      r.fail(where + ": the local header at byte " + std::to_string(local) + " names another entry");
    entry.data_offset = local + 30 + local_name + local_extra;
    if (entry.data_offset > end.directory_offset || compressed > end.directory_offset - entry.data_offset)
      r.fail(where + ": its " + std::to_string(compressed) + " bytes at byte " + std::to_string(entry.data_offset) +
             " overrun the central directory");
    entry.size = compressed;
    listing.entries.push_back(std::move(entry));
    at += 46 + name_len + extra_len + comment_len;
  }
  if (listing.entries.empty()) r.fail("the zip has no entries");
  const auto slash = listing.entries.front().name.find('/');
  if (slash == std::string::npos || slash == 0)
    r.fail("the first entry \"" + listing.entries.front().name + "\" is not inside a folder as PyTorch writes them");
  listing.prefix = listing.entries.front().name.substr(0, slash);
  return listing;
}

ArchiveListing check_torchscript_archive(std::string_view bytes, const std::string& source) {
  ArchiveListing listing = list_zip_archive(bytes, source);
  const std::string top = listing.prefix + "/";
  bool data = false, constants = false, code = false, version = false;
  for (const auto& e : listing.entries) {
    data |= e.name == top + "data.pkl";
    constants |= e.name == top + "constants.pkl";
    code |= has_prefix(e.name, top + "code/");
    version |= e.name == top + "version" || e.name == top + ".data/version";
  }
  if (data && !code && !constants)
    throw UserError(source +
                    ": a torch.save() file (a pickled object such as a state_dict: data.pkl without TorchScript code), "
                    "not a TorchScript module; " +
                    kSaveAdvice);
  if (!data || !constants || !code || !version) {
    std::string missing;
    for (auto [ok, name] :
         {std::pair{data, "data.pkl"}, {constants, "constants.pkl"}, {code, "code/"}, {version, "version"}})
      if (!ok) missing += std::string(missing.empty() ? "" : ", ") + top + name;
    throw UserError(source + ": a zip but not a TorchScript archive: it lacks " + missing + "; " + kSaveAdvice);
  }
  return listing;
}

}  // namespace torchlab::interop
