#include "torchlab/vision/image_file.h"

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/train/png_encode.h"

using namespace torchlab;
using namespace torchlab::vision;
using testing_support::TempDir;
using testing_support::write_text;

namespace {

std::string error_of(const std::filesystem::path& path) {
  try {
    read_grey_image(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ImageFile, BinaryPgmRoundTrips) {
  TempDir dir;
  GreyImage img;
  img.width = 3;
  img.height = 2;
  img.pixels = {0, 10, 20, 200, 250, 255};
  write_text(dir / "a.pgm", encode_pgm(img));
  const auto back = read_grey_image(dir / "a.pgm");
  EXPECT_EQ(back.width, 3);
  EXPECT_EQ(back.height, 2);
  EXPECT_EQ(back.pixels, img.pixels);
}

TEST(ImageFile, TextPgmWithCommentsAndOtherMaxima) {
  const auto a = decode_pgm("P2\n# made by hand\n2 2 # size\n15\n0 15\n5 10\n", "t");
  EXPECT_EQ(a.pixels, (std::vector<uint8_t>{0, 255, 85, 170}));
  std::string wide = "P5 1 2 65535\n";
  wide += std::string("\xff\xff\x80\x00", 4);  // 16-bit samples, big-endian
  EXPECT_EQ(decode_pgm(wide, "w").pixels, (std::vector<uint8_t>{255, 128}));
}

TEST(ImageFile, MalformedPgmIsNamed) {
  TempDir dir;
  write_text(dir / "short.pgm", std::string("P5\n28 28\n255\n") + std::string(100, 'x'));
  auto msg = error_of(dir / "short.pgm");
  EXPECT_NE(msg.find("short.pgm"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("784 bytes"), std::string::npos) << msg;
  write_text(dir / "bad.pgm", "P2\n2 x\n255\n");
  msg = error_of(dir / "bad.pgm");
  EXPECT_NE(msg.find("expected the height at byte 5"), std::string::npos) << msg;
  write_text(dir / "big.pgm", "P2 1 1 10 11");
  EXPECT_NE(error_of(dir / "big.pgm").find("above the maximum 10"), std::string::npos);
  write_text(dir / "other.txt", "hello");
  EXPECT_NE(error_of(dir / "other.txt").find("not a PGM (P2/P5) or PNG"), std::string::npos);
  EXPECT_THROW(read_grey_image(dir / "missing.pgm"), UserError);
}

#ifdef TORCHLAB_HAVE_PNG
TEST(ImageFile, GreyPngIsRead) {
  TempDir dir;
  std::vector<uint8_t> pixels(28 * 28);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i % 251);
  write_text(dir / "a.png", train::encode_png_gray(28, 28, pixels.data()));
  const auto img = read_grey_image(dir / "a.png");
  EXPECT_EQ(img.width, 28);
  EXPECT_EQ(img.height, 28);
  EXPECT_EQ(img.pixels, pixels);
  write_text(dir / "cut.png", train::encode_png_gray(28, 28, pixels.data()).substr(0, 40));
  const auto msg = error_of(dir / "cut.png");
  EXPECT_NE(msg.find("cut.png: bad PNG file"), std::string::npos) << msg;
}
#endif
