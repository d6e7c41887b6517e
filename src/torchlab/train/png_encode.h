#pragma once
// A tiny grey-scale PNG writer (zlib only) so report.html can inline images as data: URIs.
#include <cstdint>
#include <string>
#include <string_view>

namespace torchlab::train {

// 8-bit grey PNG of width × height pixels, row-major.
std::string encode_png_gray(int width, int height, const uint8_t* pixels);
std::string base64_encode(std::string_view bytes);

}  // namespace torchlab::train
