#pragma once
// The idx format of MNIST-style datasets (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
// (0, 0, type code, number of dimensions), one big-endian uint32 per dimension, then the items row-major.
// Files may be gzipped (detected by the gzip magic bytes, not the name).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "torchlab/core/gzip.h"

namespace torchlab::vision {

struct IdxArray {
  std::vector<int64_t> dims;
  // The whole decoded file; the items start at `offset`. Shared so a tensor can borrow it without a copy.
  std::shared_ptr<std::string> bytes;
  size_t offset = 0;
  int64_t numel() const;
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(bytes->data()) + offset; }
};

// Reads an unsigned-byte idx file (type code 0x08), plain or gzipped. A missing file, a bad magic number, another
// item type, a size that disagrees with the header or a corrupt gzip stream is a UserError naming the file.
IdxArray read_idx(const std::filesystem::path& path);

// The file's bytes, inflated when it starts with the gzip magic; `path` names it in errors.
std::string read_maybe_gzip(const std::filesystem::path& path);
// The same for bytes in memory (`source` names them in errors), and the idx decoding of inflated bytes.
std::string maybe_gunzip(std::string bytes, const std::string& source);
IdxArray decode_idx(std::string bytes, const std::string& source);

// Encodes unsigned bytes as an idx file (gzipped when `gzip`), written atomically. For tests and conversions.
void write_idx(const std::filesystem::path& path, const std::vector<int64_t>& dims, const uint8_t* data, bool gzip);
using torchlab::gzip_bytes;  // core/gzip.h

}  // namespace torchlab::vision
