#include "torchlab/vision/idx.h"

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/error.h"

using namespace torchlab;
using namespace torchlab::vision;
using testing_support::TempDir;
using testing_support::write_text;

namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An idx file by hand: magic, dims, then `payload`.
std::string idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::string b = be32(magic);
  for (auto d : dims) b += be32(d);
  return b + payload;
}

std::string message_of(const std::filesystem::path& path) {
  try {
    read_idx(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::filesystem::path& path, const std::vector<std::string>& parts) {
  const auto msg = message_of(path);
  EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
  for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "missing '" << part << "' in: " << msg;
}

}  // namespace

TEST(Idx, ReadsPlainAndGzippedFilesAlike) {
  TempDir dir;
  std::vector<uint8_t> data(2 * 3 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 10);
  write_idx(dir / "plain", {2, 3, 4}, data.data(), false);
  write_idx(dir / "packed", {2, 3, 4}, data.data(), true);
  // The plain file is exactly the format: magic 0x00000803, three big-endian dims, the bytes.
  EXPECT_EQ(testing_support::read_text(dir / "plain"),
            idx_bytes(0x803, {2, 3, 4}, std::string(data.begin(), data.end())));
  EXPECT_EQ(testing_support::read_text(dir / "packed").substr(0, 2), "\x1f\x8b");
  for (const char* name : {"plain", "packed"}) {
    const auto a = read_idx(dir / name);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3, 4})) << name;
    ASSERT_EQ(a.numel(), 24);
    EXPECT_EQ(std::vector<uint8_t>(a.data(), a.data() + 24), data) << name;
  }
}

TEST(Idx, ReadsOneDimensionalLabels) {
  TempDir dir;
  write_text(dir / "labels", idx_bytes(0x801, {3}, std::string("\x07\x00\x09", 3)));
  const auto a = read_idx(dir / "labels");
  EXPECT_EQ(a.dims, std::vector<int64_t>{3});
  EXPECT_EQ(a.data()[0], 7);
  EXPECT_EQ(a.data()[2], 9);
}

TEST(Idx, WrongMagicNumberIsNamed) {
  TempDir dir;
  write_text(dir / "a", idx_bytes(0x12345678, {1}, "x"));
  expect_error(dir / "a", {"not an idx file", "0x12345678", "0x00000803"});
  write_text(dir / "b", idx_bytes(0x00000A01, {1}, "x"));  // unknown item type 0x0A
  expect_error(dir / "b", {"not an idx file", "0x00000a01"});
  write_text(dir / "c", "P5\n28 28\n255\n");  // some other file
  expect_error(dir / "c", {"not an idx file"});
}

TEST(Idx, OtherItemTypesAreRefused) {
  TempDir dir;
  write_text(dir / "f", idx_bytes(0x00000D01, {1}, "abcd"));
  expect_error(dir / "f", {"float32", "only unsigned-byte"});
}

TEST(Idx, TruncatedAndOversizedFilesAreNamed) {
  TempDir dir;
  write_text(dir / "short", idx_bytes(0x803, {2, 28, 28}, std::string(1000, 'x')));
  expect_error(dir / "short", {"is truncated", "2x28x28", "1568 bytes", "holds 1000"});
  write_text(dir / "long", idx_bytes(0x801, {2}, "abc"));
  expect_error(dir / "long", {"extra bytes", "promises 2 bytes", "holds 3"});
  write_text(dir / "header", std::string("\0\0\x08\x03\0\0", 6));
  expect_error(dir / "header", {"is truncated", "16 bytes", "3 dimensions"});
  write_text(dir / "tiny", std::string("\0\0", 2));
  expect_error(dir / "tiny", {"2 bytes"});
  write_text(dir / "empty", "");
  expect_error(dir / "empty", {"0 bytes"});
}

TEST(Idx, TruncatedGzipTooIsCaught) {
  TempDir dir;
  std::vector<uint8_t> data(5000, 3);
  write_idx(dir / "packed.gz", {5000}, data.data(), true);
  // Cut the gzip stream in the middle of its deflate data...
  const auto whole = testing_support::read_text(dir / "packed.gz");
  write_text(dir / "cut.gz", whole.substr(0, whole.size() / 2));
  expect_error(dir / "cut.gz", {"gzip stream ends early", "truncated"});
  // ...or a complete stream whose decoded size disagrees with its header.
  auto raw = idx_bytes(0x801, {9}, std::string(4, '\1'));
  write_text(dir / "liar.gz", gzip_bytes(raw));
  expect_error(dir / "liar.gz", {"is truncated", "promises 9 bytes", "holds 4"});
}

TEST(Idx, CorruptGzipIsCaught) {
  TempDir dir;
  std::vector<uint8_t> data(5000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  write_idx(dir / "ok.gz", {5000}, data.data(), true);
  auto bytes = testing_support::read_text(dir / "ok.gz");
  bytes[bytes.size() - 6] ^= 0x55;  // inside the CRC-32 trailer
  write_text(dir / "bad.gz", bytes);
  expect_error(dir / "bad.gz", {"corrupt gzip data", "zlib"});
}

TEST(Idx, MissingFileIsAUserError) {
  TempDir dir;
  EXPECT_THROW(read_idx(dir / "nope"), UserError);
}
