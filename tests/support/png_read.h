#pragma once
// Decodes PNG bytes with libpng (the test side of the report's own encoder, and Chromium's screenshots).
#include <cstdint>
#include <string>
#include <vector>

struct DecodedImage {
  int width = 0, height = 0, channels = 0;  // channels: 1 grey, 3 RGB
  std::vector<uint8_t> pixels;
  const uint8_t* at(int x, int y) const { return pixels.data() + (size_t(y) * width + x) * channels; }
};

// Throws std::runtime_error with libpng's message when the bytes are not a PNG (or libpng is missing).
DecodedImage decode_png(const std::string& bytes, bool rgb);
std::string base64_decode(const std::string& text);
