#include "torchlab/vision/valid_split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "torchlab/core/error.h"

using namespace torchlab::vision;

namespace {

// n images whose pixel (0, 0) holds their position (mod 256) and whose label is that tag % 10.
MnistSplit numbered(int64_t n) {
  MnistSplit s;
  s.images = torch::zeros({n, 28, 28}, torch::kUInt8);
  s.images.select(2, 0).select(1, 0).copy_(torch::arange(n) % 256);
  s.labels = torch::arange(n) % 256 % 10;
  return s;
}

}  // namespace

TEST(ValidSplit, FixedDisjointCompleteAndInFileOrder) {
  const auto data = numbered(1000);
  const auto a = hold_out(data, 100);
  ASSERT_EQ(a.valid.size(), 100);
  ASSERT_EQ(a.fit.size(), 900);
  // Images and labels stay paired.
  for (const auto* part : {&a.valid, &a.fit}) {
    const auto tags = part->images.select(2, 0).select(1, 0).to(torch::kInt64);
    for (int64_t i = 0; i < part->size(); ++i) EXPECT_EQ(tags[i].item<int64_t>() % 10, part->labels[i].item<int64_t>());
  }
  const auto b = hold_out(data, 100);  // the same draw every time, whatever torch's RNG holds
  torch::manual_seed(7);
  const auto c = hold_out(data, 100);
  EXPECT_TRUE(torch::equal(a.valid.images, b.valid.images));
  EXPECT_TRUE(torch::equal(a.valid.images, c.valid.images));
  EXPECT_EQ(a.fingerprint, c.fingerprint);
  EXPECT_EQ(a.fingerprint.size(), 16u);
  // Not simply the first or last images.
  EXPECT_FALSE(torch::equal(a.valid.labels, data.labels.slice(0, 0, 100)));
  EXPECT_FALSE(torch::equal(a.valid.labels, data.labels.slice(0, 900, 1000)));
  // Another size or other data: another fingerprint.
  EXPECT_NE(hold_out(data, 101).fingerprint, a.fingerprint);
  EXPECT_NE(hold_out(numbered(999), 100).fingerprint, a.fingerprint);
  auto relabelled = numbered(1000);
  relabelled.labels = (relabelled.labels + 1) % 10;
  EXPECT_NE(hold_out(relabelled, 100).fingerprint, a.fingerprint);
}

TEST(ValidSplit, PositionsAreAPartition) {
  MnistSplit s;  // 200 images tagged 0..199 in pixel (0, 0): each appears in exactly one part
  s.images = torch::zeros({200, 28, 28}, torch::kUInt8);
  s.images.select(2, 0).select(1, 0).copy_(torch::arange(200));
  s.labels = torch::zeros({200}, torch::kInt64);
  const auto h = hold_out(s, 37);
  std::vector<int64_t> all;
  for (const auto* part : {&h.valid, &h.fit}) {
    const auto tags = part->images.select(2, 0).select(1, 0).to(torch::kInt64);
    int64_t last = -1;
    for (int64_t i = 0; i < part->size(); ++i) {
      const int64_t t = tags[i].item<int64_t>();
      EXPECT_GT(t, last);  // file order
      last = t;
      all.push_back(t);
    }
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 200u);
  for (int64_t i = 0; i < 200; ++i) EXPECT_EQ(all[i], i);
}

TEST(ValidSplit, SizeMustLeaveTrainingImages) {
  const auto data = numbered(50);
  EXPECT_THROW(hold_out(data, 0), torchlab::UserError);
  EXPECT_THROW(hold_out(data, 50), torchlab::UserError);
  try {
    hold_out(data, 5000);
    FAIL();
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("there are 50 training images"), std::string::npos) << e.what();
  }
  EXPECT_EQ(hold_out(data, 49).fit.size(), 1);
}
