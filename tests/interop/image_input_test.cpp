#include "torchlab/interop/image_input.h"

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/interop/inference.h"

using namespace torchlab::interop;

namespace {

std::string ppm(int w, int h, const std::vector<uint8_t>& rgb) {
  return "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n" + std::string(rgb.begin(), rgb.end());
}

}  // namespace

// A PPM holds RGB; OpenCV decodes BGR; the model must receive RGB again, scaled and normalized per channel.
TEST(ImageInput, RgbOrderScaleAndNormalization) {
  const auto bytes = ppm(2, 1, {10, 20, 30, 255, 0, 128});
  ImagePreprocess p;
  p.mean = {0.5f, 0.25f, 0.f};
  p.std = {0.5f, 0.25f, 2.f};
  const auto x = decode_image(bytes, "two.ppm", p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_FLOAT_EQ(x[0][0][0].item<float>(), (10.f / 255 - 0.5f) / 0.5f);  // R of pixel 0
  EXPECT_FLOAT_EQ(x[1][0][0].item<float>(), (20.f / 255 - 0.25f) / 0.25f);
  EXPECT_FLOAT_EQ(x[2][0][0].item<float>(), (30.f / 255) / 2.f);
  EXPECT_FLOAT_EQ(x[0][0][1].item<float>(), (1.f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(x[2][0][1].item<float>(), (128.f / 255) / 2.f);
}

TEST(ImageInput, GreyToThreeChannelsOrOne) {
  const std::string pgm = std::string("P5\n2 2\n255\n") + std::string("\x00\x40\x80\xff", 4);
  ImagePreprocess p;
  auto x = decode_image(pgm, "g.pgm", p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_TRUE(torch::equal(x[0], x[2]));
  EXPECT_FLOAT_EQ(x[1][1][1].item<float>(), 1.f);
  p.channels = 1;
  x = decode_image(pgm, "g.pgm", p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 2, 2}));
  EXPECT_FLOAT_EQ(x[0][0][1].item<float>(), 64.f / 255);
  // A 4x4 grey image shrunk to 2x2 by INTER_AREA: each output pixel is the mean of a 2x2 block.
  std::string big = "P5\n4 4\n255\n";
  for (int i = 0; i < 16; ++i) big += static_cast<char>((i % 4 < 2 ? 0 : 100) + (i / 8) * 20);
  p.height = p.width = 2;
  x = decode_image(big, "b.pgm", p);
  EXPECT_FLOAT_EQ(x[0][0][0].item<float>(), 0.f);
  EXPECT_FLOAT_EQ(x[0][0][1].item<float>(), 100.f / 255);
  EXPECT_FLOAT_EQ(x[0][1][1].item<float>(), 120.f / 255);
}

TEST(ImageInput, BadImagesAndValuesAreUserErrors) {
  ImagePreprocess p;
  EXPECT_THROW(decode_image("not an image", "junk.png", p), torchlab::UserError);
  EXPECT_THROW(decode_image("", "empty.png", p), torchlab::UserError);
  EXPECT_THROW(read_image("/nonexistent/x.png", p), torchlab::UserError);
  try {
    decode_image("\x89PNG\r\n\x1a\n1234", "cut.png", p);
    FAIL();
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.png"), std::string::npos) << e.what();
  }
  p.std = {1, 0, 1};
  EXPECT_THROW(check_preprocess(p), torchlab::UserError);
  p.std = {1, 1};
  EXPECT_THROW(check_preprocess(p), torchlab::UserError);
  p.std = {1};
  p.channels = 2;
  EXPECT_THROW(check_preprocess(p), torchlab::UserError);
  EXPECT_THROW(VideoFrames::open_file("/nonexistent/clip.avi", ImagePreprocess{}), torchlab::UserError);
  EXPECT_THROW(list_images("/nonexistent"), torchlab::UserError);
}

TEST(Probabilities, SoftmaxUnlessAlreadyProbabilities) {
  const auto logits = torch::tensor({{1.f, 2.f, 3.f}});
  const auto p = to_probabilities(logits, Softmax::Auto);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(p[0][2].item<double>(), std::exp(3.0) / z, 1e-7);
  const auto probs = torch::tensor({{0.2f, 0.5f, 0.3f}});
  EXPECT_NEAR(to_probabilities(probs, Softmax::Auto)[0][1].item<double>(), 0.5, 1e-7);
  EXPECT_NEAR(to_probabilities(probs, Softmax::On)[0][1].item<double>(),
              std::exp(0.5) / (std::exp(0.2) + std::exp(0.5) + std::exp(0.3)), 1e-7);
  EXPECT_NEAR(to_probabilities(logits, Softmax::Off)[0][2].item<double>(), 3.0, 1e-12);
  const auto top = top_k(torch::tensor({0.1, 0.4, 0.1, 0.4}), 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].index, 1);
  EXPECT_EQ(top[1].index, 3);
  EXPECT_EQ(top[2].index, 0);
  EXPECT_EQ(top_k(torch::tensor({0.1, 0.9}), 5).size(), 2u);
}
