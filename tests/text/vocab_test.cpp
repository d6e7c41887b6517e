#include "torchlab/text/vocab.h"

#include <gtest/gtest.h>

#include "torchlab/core/error.h"

using namespace torchlab::text;

TEST(Vocab, BytesInOrderOfFirstAppearanceRoundTrip) {
  const std::string text = "hello world\xC3\xA9";
  auto v = Vocab::build(text, VocabKind::Bytes);
  EXPECT_EQ(v.size(), 10);  // h e l o ' ' w r d 0xC3 0xA9
  EXPECT_EQ(v.symbol(0), 'h');
  EXPECT_EQ(v.symbol(3), 'o');
  EXPECT_EQ(v.symbol(8), 0xC3u);
  const auto labels = v.encode(text, "text");
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 1, 2, 2, 3, 4, 5, 3, 6, 2, 7, 8, 9}));
  EXPECT_EQ(v.decode(labels), text);
  auto back = Vocab::from_json(nlohmann::json::parse(v.to_json().dump()));
  EXPECT_EQ(back.kind(), VocabKind::Bytes);
  EXPECT_EQ(back.encode(text, "text"), labels);
}

TEST(Vocab, CharsAreCodePointsRoundTrip) {
  const std::string text = "na\xC3\xAFve \xE2\x82\xAC \xF0\x9F\x90\x8B!";  // naïve € 🐋!
  auto v = Vocab::build(text, VocabKind::Chars);
  EXPECT_EQ(v.size(), 9);  // n a ï v e ' ' € 🐋 !
  EXPECT_EQ(v.symbol(2), 0xEFu);
  EXPECT_EQ(v.symbol(6), 0x20ACu);
  EXPECT_EQ(v.symbol(7), 0x1F40Bu);
  const auto labels = v.encode(text, "text");
  EXPECT_EQ(labels.size(), 10u);
  EXPECT_EQ(v.decode(labels), text);
  auto back = Vocab::from_json(v.to_json());
  EXPECT_EQ(back.kind(), VocabKind::Chars);
  EXPECT_EQ(back.decode(labels), text);
}

TEST(Vocab, InvalidUtf8NamesTheByteOffset) {
  const std::string text = "abc\xC3(def";
  try {
    Vocab::build(text, VocabKind::Chars, "in.txt");
    FAIL() << "no error";
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("in.txt is not valid UTF-8 at byte offset 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--vocab bytes"), std::string::npos);
  }
  EXPECT_THROW(decode_utf8("\xC0\xAF", "x"), torchlab::UserError);      // overlong '/'
  EXPECT_THROW(decode_utf8("\xED\xA0\x80", "x"), torchlab::UserError);  // surrogate
  EXPECT_THROW(decode_utf8("ok\xE2\x82", "x"), torchlab::UserError);    // cut off
  EXPECT_EQ(Vocab::build("\xC3\xA9", VocabKind::Bytes).size(), 2);      // bytes accept anything
}

TEST(Vocab, UnknownCharactersAreListed) {
  auto v = Vocab::build("abc", VocabKind::Chars);
  try {
    v.encode("abzqz\xC3\xA9", "--prime");
    FAIL() << "no error";
  } catch (const torchlab::UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("--prime has 3 characters"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'q', 'z', U+00E9"), std::string::npos) << msg;
  }
  EXPECT_THROW(parse_vocab_kind("words"), torchlab::UserError);
}
