#include "torchlab/vision/image_file.h"

#include <algorithm>
#include <cctype>

#ifdef TORCHLAB_HAVE_PNG
#include <png.h>
#endif

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"

namespace torchlab::vision {
namespace {

// The PGM header's whitespace-separated fields; '#' starts a comment up to the end of the line.
class PgmHeader {
 public:
  PgmHeader(const std::string& b, std::string source) : b_(b), source_(std::move(source)) {}
  int64_t number(const char* what) {
    skip_space();
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < b_.size() && std::isdigit(static_cast<unsigned char>(b_[pos_]))) {
      v = v * 10 + (b_[pos_] - '0');
      if (v > (int64_t(1) << 30)) fail(std::string(what) + " is too large");
      ++pos_;
    }
    if (pos_ == start) fail(std::string("expected the ") + what);
    return v;
  }
  void skip_space() {
    while (pos_ < b_.size()) {
      if (b_[pos_] == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n') ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(b_[pos_]))) {
        ++pos_;
      } else {
        break;
      }
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(source_ + ": bad PGM file: " + what + " at byte " + std::to_string(pos_));
  }
  size_t pos_ = 2;

 private:
  const std::string& b_;
  std::string source_;
};

// Larger images are refused before their pixels are allocated (a 20-byte header can claim 2^60 of them); a
// classifier's input is far smaller.
constexpr int64_t kMaxPixels = int64_t(1) << 26;

void check_pixel_count(int64_t width, int64_t height, const std::string& source, const char* format) {
  if (width > kMaxPixels / std::max<int64_t>(height, 1))
    throw UserError(source + ": the " + format + " image is " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels, more than the " + std::to_string(kMaxPixels) + " this reader takes; shrink it first");
}

bool starts_with(const std::string& s, const char* prefix, size_t n) {
  return s.size() >= n && s.compare(0, n, prefix) == 0;
}

#ifdef TORCHLAB_HAVE_PNG
GreyImage decode_png(const std::string& bytes, const std::string& source) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
    throw UserError(source + ": bad PNG file: " + image.message);
  image.format = PNG_FORMAT_GRAY;
  GreyImage out;
  out.width = image.width;
  out.height = image.height;
  try {
    check_pixel_count(out.width, out.height, source, "PNG");
  } catch (...) {
    png_image_free(&image);
    throw;
  }
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
    const std::string why = image.message;
    png_image_free(&image);
    throw UserError(source + ": bad PNG file: " + why);
  }
  return out;
}
#endif

}  // namespace

GreyImage decode_pgm(const std::string& b, const std::string& source) {
  if (!starts_with(b, "P5", 2) && !starts_with(b, "P2", 2))
    throw UserError(source + ": not a PGM file (expected P2 or P5 at byte 0)");
  const bool binary = b[1] == '5';
  PgmHeader h(b, source);
  GreyImage out;
  out.width = h.number("width");
  out.height = h.number("height");
  const int64_t maxval = h.number("maximum grey value");
  if (out.width == 0 || out.height == 0) h.fail("the image is empty");
  if (maxval < 1 || maxval > 65535) h.fail("the maximum grey value " + std::to_string(maxval) + " is not 1..65535");
  check_pixel_count(out.width, out.height, source, "PGM");
  const size_t n = static_cast<size_t>(out.width * out.height);
  // P2 text needs a digit per pixel and a separator between them: a cheap bound before allocating.
  if (!binary && b.size() - std::min(h.pos_, b.size()) < 2 * n - 1)
    h.fail("the file is too short for " + std::to_string(out.width) + "x" + std::to_string(out.height) + " pixels");
  auto scale = [&](int64_t v) {
    if (v > maxval) h.fail("grey value " + std::to_string(v) + " is above the maximum " + std::to_string(maxval));
    return static_cast<uint8_t>((v * 255 + maxval / 2) / maxval);
  };
  if (binary) {
    if (h.pos_ >= b.size() || !std::isspace(static_cast<unsigned char>(b[h.pos_]))) h.fail("expected one whitespace");
    ++h.pos_;
    const size_t sample = maxval > 255 ? 2 : 1;
    if (b.size() - h.pos_ < n * sample)
      throw UserError(source + ": PGM file is truncated: " + std::to_string(out.width) + "x" +
                      std::to_string(out.height) + " pixels need " + std::to_string(n * sample) + " bytes after the " +
                      std::to_string(h.pos_) + "-byte header, it holds " + std::to_string(b.size() - h.pos_));
    out.pixels.resize(n);
    const auto* p = reinterpret_cast<const uint8_t*>(b.data()) + h.pos_;
    for (size_t i = 0; i < n; ++i) out.pixels[i] = scale(sample == 2 ? (p[2 * i] << 8) | p[2 * i + 1] : p[i]);
  } else {
    out.pixels.resize(n);
    for (size_t i = 0; i < n; ++i) out.pixels[i] = scale(h.number("grey value"));
  }
  return out;
}

GreyImage read_grey_image(const std::filesystem::path& path) {
  return decode_grey_image(read_file(path), path.string());
}

GreyImage decode_grey_image(const std::string& bytes, const std::string& source) {
  if (starts_with(bytes, "P5", 2) || starts_with(bytes, "P2", 2)) return decode_pgm(bytes, source);
  if (starts_with(bytes, "\x89PNG", 4)) {
#ifdef TORCHLAB_HAVE_PNG
    return decode_png(bytes, source);
#else
    throw UserError(source + ": this torchlab was built without libpng; convert the image to PGM (P5)");
#endif
  }
  throw UserError(source + ": not a PGM (P2/P5) or PNG image (by its first bytes)");
}

std::string encode_pgm(const GreyImage& image) {
  std::string out = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  out.append(reinterpret_cast<const char*>(image.pixels.data()), image.pixels.size());
  return out;
}

}  // namespace torchlab::vision
