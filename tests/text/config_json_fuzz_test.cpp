// JSON that the config fuzz target (tests/fuzz/targets/config.cpp) feeds the char-rnn readers: a wrong type or an
// out-of-range number is a UserError naming the key. Before, nlohmann's json::type_error escaped (exit 1), and a
// float such as 1e300 read into an int64 was an undefined conversion.
#include <gtest/gtest.h>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/text/char_rnn_config.h"
#include "torchlab/text/vocab.h"

using namespace torchlab;
using namespace torchlab::text;
using nlohmann::json;

namespace {

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

TEST(ConfigJsonFuzz, CharRnnConfigFieldsOfTheWrongTypeOrRange) {
  json good = preset_config("default").to_json();
  good["vocab_size"] = 80;
  EXPECT_EQ(CharRnnConfig::from_json(good).model.vocab, 80);
  json j = good;
  j["seq_len"] = 1e300;
  EXPECT_EQ(error_of([&] { CharRnnConfig::from_json(j); }),
            "char-rnn config: \"seq_len\" is 1e+300, expected an integer");
  j = good;
  j["hidden"] = "big";
  EXPECT_EQ(error_of([&] { CharRnnConfig::from_json(j); }),
            "char-rnn config: \"hidden\" is \"big\", expected an integer");
  j = good;
  j["seed"] = -1;
  EXPECT_EQ(error_of([&] { CharRnnConfig::from_json(j); }),
            "char-rnn config: \"seed\" is -1, expected a non-negative integer");
  j = good;
  j.erase("lr");
  EXPECT_EQ(error_of([&] { CharRnnConfig::from_json(j); }), "char-rnn config has no \"lr\"");
  EXPECT_EQ(error_of([&] { CharRnnConfig::from_json(json::array({1})); }),
            "char-rnn config is array, expected a JSON object");
  j = good;
  j["batch_size"] = 64.0;  // a hand-edited integral float is still an integer
  EXPECT_EQ(CharRnnConfig::from_json(j).batch_size, 64);
}

TEST(ConfigJsonFuzz, JsonFieldIntegerRanges) {
  const json j = {
      {"small", 300}, {"big", 18446744073709551615ull}, {"neg", -5}, {"frac", 2.5}, {"edge", 9.2233720368547758e18}};
  EXPECT_NE(error_of([&] { json_field<uint8_t>(j, "small", "t"); }).find("\"small\" is 300"), std::string::npos);
  EXPECT_EQ(json_field<uint64_t>(j, "big", "t"), 18446744073709551615ull);
  EXPECT_NE(error_of([&] { json_field<int64_t>(j, "big", "t"); }).find("a smaller integer"), std::string::npos);
  EXPECT_EQ(json_field<int>(j, "neg", "t"), -5);
  EXPECT_NE(error_of([&] { json_field<int64_t>(j, "frac", "t"); }).find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of([&] { json_field<int64_t>(j, "edge", "t"); }).find("expected an integer"), std::string::npos);
  EXPECT_EQ(json_field_or<int64_t>(j, "missing", 7, "t"), 7);
}

TEST(ConfigJsonFuzz, VocabularyFromMalformedJson) {
  EXPECT_EQ(error_of([] {
              Vocab::from_json({{"kind", 5}, {"symbols", {1}}});
            }),
            "checkpoint vocabulary: \"kind\" is 5, expected a string");
  EXPECT_NE(error_of([] {
              Vocab::from_json({{"kind", "chars"}, {"symbols", {1e20}}});
            }).find("\"symbols\" is 1e+20"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Vocab::from_json({{"kind", "bytes"}, {"symbols", {300}}});
            }).find("not a byte"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Vocab::from_json({{"kind", "chars"}, {"symbols", {0xD800}}});
            }).find("Unicode scalar value"),
            std::string::npos);
  EXPECT_EQ(Vocab::from_json({{"kind", "chars"}, {"symbols", {97, 0x1F40B}}}).size(), 2);
}
