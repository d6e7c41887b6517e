// Inputs that fuzzing (tests/fuzz/targets/idx.cpp, image.cpp) or its review turned up for the idx and image readers.
#include <gtest/gtest.h>

#include "support/fuzz_regressions.h"
#include "torchlab/core/error.h"
#include "torchlab/vision/idx.h"
#include "torchlab/vision/image_file.h"

using namespace torchlab;
using namespace torchlab::vision;

namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}


}  // namespace

TEST(IdxFuzz, RegressionInputsDecodeOrAreUserErrors) {
  const auto inputs = testing_support::fuzz_regressions("idx");
  ASSERT_FALSE(inputs.empty());
  for (const auto& [name, bytes] : inputs) {
    try {
      const auto idx = decode_idx(maybe_gunzip(bytes, name), name);
      EXPECT_EQ(idx.offset + static_cast<size_t>(idx.numel()), idx.bytes->size()) << name;
    } catch (const UserError&) {
    }
  }
}

TEST(IdxFuzz, ZeroDimensionAfterHugeOnesIsEmpty) {
  // Found by fuzzing: dims {4e9, 4e9, 4e9, 0} hold no items, and numel() overflowed int64 on the way to the 0.
  const auto idx = decode_idx(
      std::string("\0\0\x08\x04", 4) + be32(4000000000u) + be32(4000000000u) + be32(4000000000u) + be32(0), "x.idx");
  EXPECT_EQ(idx.numel(), 0);
}

TEST(IdxFuzz, DimensionProductThatWrapsIsRefused) {
  // Eight dimensions of 65536 multiply to 2^128, which wrapped to 0 in 128-bit arithmetic and matched an empty body.
  std::string b("\0\0\x08\x08", 4);
  for (int i = 0; i < 8; ++i) b += be32(65536);
  const auto what = error_of([&] { decode_idx(b, "x.idx"); });
  EXPECT_NE(what.find("x.idx is truncated: its header (65536x65536x65536x65536x65536x65536x65536x65536) promises "
                      "2^64 or more bytes"),
            std::string::npos)
      << what;
}

TEST(IdxFuzz, GzipInMemoryRoundTrips) {
  const std::string raw = std::string("\0\0\x08\x01", 4) + be32(3) + "abc";
  const auto idx = decode_idx(maybe_gunzip(gzip_bytes(raw), "x.gz"), "x.gz");
  EXPECT_EQ(idx.dims, (std::vector<int64_t>{3}));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(idx.data()), 3), "abc");
  EXPECT_NE(error_of([&] { maybe_gunzip(gzip_bytes(raw).substr(0, 15), "x.gz"); }).find("x.gz: the gzip stream ends"),
            std::string::npos);
}

TEST(ImageFuzz, HugeImagesAreRefusedBeforeAllocating) {
  // A 30-byte PGM header claiming 2^30 x 2^30 pixels made the reader allocate 2^60 bytes.
  EXPECT_NE(error_of([] {
              decode_grey_image("P5 1073741824 1073741824 255\n", "big.pgm");
            }).find("big.pgm: the PGM image is 1073741824x1073741824 pixels, more than the 67108864"),
            std::string::npos);
  // P2: every pixel needs at least a digit and a separator.
  EXPECT_NE(error_of([] {
              decode_grey_image("P2 4000 4000 255\n1 2 3", "short.pgm");
            }).find("too short for 4000x4000 pixels"),
            std::string::npos);
}

TEST(ImageFuzz, SmallImagesStillDecode) {
  const auto img = decode_grey_image("P2 2 1 4\n0 4\n", "small.pgm");
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 255}));
}
