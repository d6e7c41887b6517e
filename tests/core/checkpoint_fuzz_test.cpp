// Corrupt checkpoints that fuzzing (tests/fuzz/targets/checkpoint.cpp) or its review turned up: each must be a
// UserError naming the problem, never a libtorch error, an allocation of exabytes or a crash.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "support/fuzz_regressions.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"

using namespace torchlab;

namespace {

// A checkpoint file by hand, as encode_checkpoint lays it out: magic, version, metadata, tensors, blobs, CRC.
struct RawCheckpoint {
  std::string out = std::string("TLCKPT01", 8);
  template <typename T>
  RawCheckpoint& pod(T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  RawCheckpoint& str(const std::string& s) {
    pod<uint64_t>(s.size());
    out += s;
    return *this;
  }
  RawCheckpoint& tensor(const std::string& name, int8_t dtype, const std::vector<int64_t>& sizes, uint64_t nbytes) {
    str(name).pod<int8_t>(dtype).pod<uint8_t>(static_cast<uint8_t>(sizes.size()));
    for (auto d : sizes) pod<int64_t>(d);
    pod<uint64_t>(nbytes);
    out.append(nbytes, '\0');
    return *this;
  }
  std::string finish() {
    const uint32_t crc = crc32_z(0L, reinterpret_cast<const Bytef*>(out.data()), out.size());
    return out + std::string(reinterpret_cast<const char*>(&crc), 4);
  }
};

// Everything up to the first tensor: version, metadata, the tensor count.
RawCheckpoint header(uint64_t tensors, const std::string& meta = R"({"kind":"test"})") {
  RawCheckpoint r;
  r.pod<uint32_t>(kCheckpointFormatVersion).str(meta).pod<uint64_t>(tensors);
  return r;
}

std::string error_of(const std::string& bytes) {
  try {
    decode_checkpoint(bytes, "x.ckpt");
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

constexpr int8_t kFloat = static_cast<int8_t>(c10::ScalarType::Float);

}  // namespace

TEST(CheckpointFuzz, RegressionInputsAreUserErrors) {
  const auto inputs = testing_support::fuzz_regressions("checkpoint");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, bytes] : inputs) EXPECT_THROW(decode_checkpoint(bytes, name), UserError) << name;
}

TEST(CheckpointFuzz, SizesWhoseProductOverflowsBesideAZeroAreRefused) {
  // Found by fuzzing: with a 0 among them the byte count is 0, but libtorch's empty() threw a c10::Error.
  const auto bytes =
      header(1).tensor("t", kFloat, {int64_t(1) << 40, int64_t(1) << 40, 0}, 0).pod<uint64_t>(0).finish();
  EXPECT_NE(error_of(bytes).find("tensor t has sizes too large"), std::string::npos) << error_of(bytes);
}

TEST(CheckpointFuzz, HugeSizesAreCheckedBeforeAllocating) {
  // 2^40 floats claimed, 16 bytes held: refused from the header alone (before: a 4 TiB allocation was attempted).
  const auto bytes = header(1).tensor("t", kFloat, {int64_t(1) << 40}, 16).pod<uint64_t>(0).finish();
  EXPECT_NE(error_of(bytes).find("tensor t has a wrong byte count"), std::string::npos) << error_of(bytes);
}

TEST(CheckpointFuzz, BadElementTypeNegativeSizeAndNonObjectMetadata) {
  EXPECT_NE(error_of(header(1).tensor("t", 99, {1}, 4).pod<uint64_t>(0).finish()).find("unknown element type"),
            std::string::npos);
  EXPECT_NE(error_of(header(1).tensor("t", kFloat, {-1}, 0).pod<uint64_t>(0).finish()).find("negative size"),
            std::string::npos);
  EXPECT_NE(error_of(header(0, "[1, 2]").pod<uint64_t>(0).finish()).find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(header(0, R"({"kind": 5})").pod<uint64_t>(0).finish()).find("kind is not a string"),
            std::string::npos);
}

TEST(CheckpointFuzz, DuplicateNamesAndTrailingBytesAreCorrupt) {
  EXPECT_NE(error_of(header(2).tensor("t", kFloat, {1}, 4).tensor("t", kFloat, {1}, 4).pod<uint64_t>(0).finish())
                .find("appears twice"),
            std::string::npos);
  EXPECT_NE(error_of(header(0).pod<uint64_t>(0).pod<uint32_t>(7).finish()).find("after the last entry"),
            std::string::npos);
}

TEST(CheckpointFuzz, EmptyTensorsRoundTrip) {
  // A 0-element tensor's data pointer may be null: no memcpy into it.
  const auto bytes = header(1).tensor("e", kFloat, {0, 3}, 0).pod<uint64_t>(0).finish();
  const auto ckpt = decode_checkpoint(bytes, "x.ckpt");
  EXPECT_EQ(ckpt.tensors.at("e").sizes(), (std::vector<int64_t>{0, 3}));
}
