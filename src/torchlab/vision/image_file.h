#pragma once
// Grey images from files for `mnist predict`: PGM (P2 text or P5 binary) and, when built with libpng, PNG (any
// colour type, converted to 8-bit grey).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace torchlab::vision {

struct GreyImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;  // row-major, 0 = black
};

// Picks the format from the file's magic bytes; a malformed file is a UserError naming it and the byte.
GreyImage read_grey_image(const std::filesystem::path& path);
// The same for bytes in memory; `source` names them in errors.
GreyImage decode_grey_image(const std::string& bytes, const std::string& source);
GreyImage decode_pgm(const std::string& bytes, const std::string& source);

// P5 bytes of `image` (tests and conversions).
std::string encode_pgm(const GreyImage& image);

}  // namespace torchlab::vision
