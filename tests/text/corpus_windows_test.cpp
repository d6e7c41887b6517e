#include <gtest/gtest.h>

#include <set>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/text/corpus.h"
#include "torchlab/text/windows.h"

using namespace torchlab::text;

static std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const torchlab::UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

TEST(Corpus, SplitsNinetyFivePercentForTraining) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += static_cast<char>('a' + i % 7);
  auto c = make_corpus(text, VocabKind::Bytes, 10, "t");
  EXPECT_EQ(c.train.numel(), 950);
  EXPECT_EQ(c.valid.numel(), 50);
  EXPECT_EQ(c.valid[0].item<int64_t>(), 950 % 7);
  EXPECT_EQ(c.vocab.size(), 7);
}

TEST(Corpus, TooShortSaysHowLong) {
  EXPECT_EQ(min_text_length(180), 190);  // 190 - 190 / 20 = 181 = one window of 180 + 1
  const auto msg = message_of([] { make_corpus(std::string(100, 'x'), VocabKind::Bytes, 180, "short.txt"); });
  EXPECT_NE(msg.find("short.txt has 100 characters"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at least 190"), std::string::npos) << msg;
  EXPECT_NO_THROW(make_corpus(std::string(190, 'x'), VocabKind::Bytes, 180, "ok"));
}

TEST(Corpus, MissingAndEmptyFiles) {
  testing_support::TempDir dir;
  auto msg = message_of([&] { load_corpus(dir / "nope.txt", VocabKind::Bytes, 10); });
  EXPECT_NE(msg.find("nope.txt does not exist"), std::string::npos) << msg;
  testing_support::write_text(dir / "empty.txt", "");
  msg = message_of([&] { load_corpus(dir / "empty.txt", VocabKind::Bytes, 10); });
  EXPECT_NE(msg.find("empty.txt is empty"), std::string::npos) << msg;
}

TEST(Windows, CoverTheSplitWithoutOverlapAndReshuffle) {
  const int64_t n = 1000, seq = 9;
  auto labels = torch::arange(n, torch::kInt64);
  WindowSource src(labels, seq, 16, 7, true);
  EXPECT_EQ(src.windows(), (n - seq) / seq);  // 110, leaving 9 labels of slack
  EXPECT_EQ(src.batches_per_epoch(), 7);      // 6 x 16 + 14
  std::vector<std::vector<int64_t>> orders;
  std::set<int64_t> offsets;
  for (int64_t epoch = 1; epoch <= 4; ++epoch) {
    src.set_epoch(epoch);
    std::vector<int> target_hits(n, 0);
    std::vector<int64_t> starts;
    for (int64_t b = 0; b < src.batches_per_epoch(); ++b) {
      auto w = src.batch(b)[0];
      ASSERT_EQ(w.size(1), seq + 1);
      EXPECT_EQ(w.size(0), b + 1 < src.batches_per_epoch() ? 16 : 14);
      for (int64_t i = 0; i < w.size(0); ++i) {
        const int64_t start = w[i][0].item<int64_t>();
        starts.push_back(start);
        for (int64_t j = 1; j <= seq; ++j) {
          ASSERT_EQ(w[i][j].item<int64_t>(), start + j);  // contiguous text
          ++target_hits[start + j];
        }
      }
    }
    // Every label after the offset is a target exactly once, up to the 0..slack labels left at the end.
    const int64_t off = src.offset();
    EXPECT_LE(off, n - 1 - src.windows() * seq);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_EQ(target_hits[i], (i > off && i <= off + src.windows() * seq) ? 1 : 0) << "label " << i;
    orders.push_back(starts);
    offsets.insert(off);
    // Same (seed, epoch) → same order: exact resume.
    WindowSource again(labels, seq, 16, 7, true);
    again.set_epoch(epoch);
    EXPECT_TRUE(torch::equal(again.batch(3)[0], src.batch(3)[0]));
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);
  EXPECT_GE(offsets.size(), 2u);
  WindowSource valid(labels, seq, 16, 7, false);
  EXPECT_EQ(valid.offset(), 0);
  EXPECT_EQ(valid.batch(0)[0][1][0].item<int64_t>(), seq);  // in text order
}
