#include "torchlab/vision/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"

namespace torchlab::vision {
namespace {

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f && static_cast<uint8_t>(bytes[1]) == 0x8b;
}

std::string inflate_gzip(const std::string& in, const std::string& name) {
  std::string out;
  // The gzip trailer holds the decoded size mod 2^32: a good first guess for the buffer, if deflate can reach it
  // (at most 1032:1), so that a corrupt trailer cannot reserve gigabytes.
  if (in.size() >= 18) {
    uint32_t isize;
    std::memcpy(&isize, in.data() + in.size() - 4, 4);
    out.reserve(std::min<size_t>({isize, in.size() * 1032, size_t(1) << 31}));
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("zlib inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  const size_t chunk = 1 << 20;
  int rc = Z_OK;
  for (;;) {
    const size_t used = out.size();
    out.resize(used + chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(used + chunk - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // concatenated gzip members
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      const auto at = zs.total_in;
      inflateEnd(&zs);
      throw UserError(name + ": the gzip stream ends early at compressed byte " + std::to_string(at) +
                      " (a truncated download?); re-download the file or reinstall the dataset package");
    }
    const std::string why = zs.msg ? zs.msg : "error " + std::to_string(rc);
    const auto at = zs.total_in;
    inflateEnd(&zs);
    throw UserError(name + ": corrupt gzip data near compressed byte " + std::to_string(at) + " (zlib: " + why +
                    "); re-download the file or reinstall the dataset package");
  }
  inflateEnd(&zs);
  return out;
}

uint32_t big_endian32(const std::string& b, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data()) + at;
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

const char* type_name(int code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return nullptr;
  }
}

}  // namespace

int64_t IdxArray::numel() const {
  // A zero anywhere makes it empty; the product of the dimensions before that zero may overflow (decode_idx only
  // checked that the whole product matches the file).
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) return 0;
  int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

std::string maybe_gunzip(std::string bytes, const std::string& source) {
  return is_gzip(bytes) ? inflate_gzip(bytes, source) : bytes;
}

std::string read_maybe_gzip(const std::filesystem::path& path) { return maybe_gunzip(read_file(path), path.string()); }

IdxArray read_idx(const std::filesystem::path& path) { return decode_idx(read_maybe_gzip(path), path.string()); }

IdxArray decode_idx(std::string decoded, const std::string& name) {
  auto bytes = std::make_shared<std::string>(std::move(decoded));
  const std::string& b = *bytes;
  if (b.size() < 4)
    throw UserError(name + " is not an idx file: it holds " + std::to_string(b.size()) +
                    " bytes, fewer than the 4-byte magic number");
  const uint32_t magic = big_endian32(b, 0);
  const int type = static_cast<uint8_t>(b[2]);
  const int ndims = static_cast<uint8_t>(b[3]);
  if (b[0] != 0 || b[1] != 0 || !type_name(type) || ndims == 0)
    throw UserError(name + " is not an idx file: magic number " + hex32(magic) +
                    " at byte 0, expected 0x00000801 (labels) or 0x00000803 (images)");
  if (type != 0x08)
    throw UserError(name + ": idx items are " + type_name(type) + " (magic number " + hex32(magic) +
                    "); only unsigned-byte files (0x000008NN) are supported");
  const size_t header = 4 + 4 * size_t(ndims);
  if (b.size() < header)
    throw UserError(name + " is truncated: the header needs " + std::to_string(header) + " bytes for " +
                    std::to_string(ndims) + " dimensions, the file holds " + std::to_string(b.size()));
  IdxArray out;
  // The product of the dimensions, saturated at 2^64: 255 dimensions of up to 2^32 - 1 overflow any integer, and a
  // product that wrapped around to the file's size would pass as valid.
  const unsigned __int128 cap = static_cast<unsigned __int128>(1) << 64;
  unsigned __int128 expected = 1;
  std::string shape;
  for (int d = 0; d < ndims; ++d) {
    const uint32_t n = big_endian32(b, 4 + 4 * size_t(d));
    out.dims.push_back(n);
    expected = std::min(expected * n, cap);
    shape += (d ? "x" : "") + std::to_string(n);
  }
  const size_t have = b.size() - header;
  if (expected != have) {
    const std::string what = expected > have ? " is truncated" : " has extra bytes";
    const std::string promised =
        expected == cap ? "2^64 or more" : std::to_string(static_cast<unsigned long long>(expected));
    throw UserError(name + what + ": its header (" + shape + ") promises " + promised + " bytes of items after the " +
                    std::to_string(header) + "-byte header, it holds " + std::to_string(have) +
                    "; re-download the file or reinstall the dataset package");
  }
  out.bytes = std::move(bytes);
  out.offset = header;
  return out;
}

void write_idx(const std::filesystem::path& path, const std::vector<int64_t>& dims, const uint8_t* data, bool gzip) {
  std::string raw = {0, 0, 0x08, static_cast<char>(dims.size())};
  int64_t n = 1;
  for (auto d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) raw.push_back(static_cast<char>((uint64_t(d) >> shift) & 0xff));
    n *= d;
  }
  raw.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  write_file_atomic(path, gzip ? gzip_bytes(raw) : raw);
}

}  // namespace torchlab::vision
