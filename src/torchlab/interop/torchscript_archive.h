#pragma once
// What a file claims to be before libtorch reads it: TorchScript archives are zip files (stored, not compressed) with
// <name>/data.pkl, <name>/constants.pkl and <name>/code/. Checking the zip's own structure first keeps arbitrary bytes
// away from libtorch's zip and pickle readers, and tells a torch.save() pickle apart from a scripted module.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace torchlab::interop {

struct ArchiveEntry {
  std::string name;
  uint64_t data_offset = 0;  // where the entry's bytes start in the file
  uint64_t size = 0;  // bytes in the file (compressed size for a deflated entry)
};

struct ArchiveListing {
  std::string prefix;  // the archive's top folder, e.g. "model" in "model/data.pkl"
  std::vector<ArchiveEntry> entries;
};

// Parses the zip's end record, central directory and local headers with bounds checks on every offset. A UserError
// naming `source` and the byte says what is wrong: not a zip (and a legacy pickle said so), a truncated or
// inconsistent zip, a compression PyTorch does not write.
ArchiveListing list_zip_archive(std::string_view bytes, const std::string& source);

// list_zip_archive, then the TorchScript entries: a torch.save() file (data.pkl without code/) is a UserError that
// says so and points to torch.jit.script/trace or safetensors.
ArchiveListing check_torchscript_archive(std::string_view bytes, const std::string& source);

}  // namespace torchlab::interop
