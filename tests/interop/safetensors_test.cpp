#include "torchlab/interop/safetensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

#include "support/test_support.h"
#include "torchlab/core/error.h"

namespace ti = torchlab::interop;

namespace {

// A file of `header` (not padded) then `data`.
std::string file_of(const std::string& header, const std::string& data = "") {
  std::string out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

// The UserError message of decoding `bytes` (fails the test when it decodes).
std::string error_of(const std::string& bytes) {
  try {
    ti::decode_safetensors(bytes, "w.safetensors");
  } catch (const torchlab::UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "decoded without error";
  return "";
}

void expect_error(const std::string& bytes, std::initializer_list<std::string> parts) {
  const auto msg = error_of(bytes);
  EXPECT_EQ(msg.rfind("w.safetensors: ", 0), 0u) << msg;
  for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

}  // namespace

TEST(Safetensors, EncodesToTheSpecByteForByte) {
  ti::Safetensors st;
  st.tensors["b"] = torch::tensor({1.0f, -2.0f});
  st.tensors["a"] = torch::tensor({int64_t(7)});
  st.metadata["format"] = "pt";
  const auto bytes = ti::encode_safetensors(st);
  // Names in order, offsets back to back, header padded with spaces to a multiple of 8.
  const std::string json = R"({"__metadata__":{"format":"pt"},"a":{"data_offsets":[0,8],"dtype":"I64","shape":[1]},)"
                           R"("b":{"data_offsets":[8,16],"dtype":"F32","shape":[2]}})";
  const size_t padded = (json.size() + 7) / 8 * 8;
  ASSERT_EQ(bytes.size(), 8 + padded + 16);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), padded);
  EXPECT_EQ(bytes.substr(1, 7), std::string(7, '\0'));
  EXPECT_EQ(bytes.substr(8, json.size()), json);
  EXPECT_EQ(bytes.substr(8 + json.size(), padded - json.size()), std::string(padded - json.size(), ' '));
  float b1;
  std::memcpy(&b1, bytes.data() + 8 + padded + 12, 4);
  EXPECT_EQ(b1, -2.0f);
}

TEST(Safetensors, RoundTripsEveryDtypeThroughAFile) {
  testing_support::TempDir dir;
  ti::Safetensors st;
  torch::manual_seed(3);
  const auto base = torch::randn({3, 4}, torch::kFloat64);
  for (auto type : {torch::kFloat64, torch::kFloat32, torch::kFloat16, torch::kBFloat16, torch::kInt64, torch::kInt32,
                    torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool})
    st.tensors[ti::safetensors_dtype(type)] = (base * 10).to(type);
  st.tensors["scalar"] = torch::tensor(2.5);
  st.tensors["empty"] = torch::zeros({0, 5});
  st.tensors["strided"] = torch::arange(12, torch::kFloat32).view({3, 4}).t();  // not contiguous
  st.metadata = {{"config", R"({"hidden": 8})"}, {"labels", "ä,b"}};
  ti::write_safetensors(dir / "m.safetensors", st);
  for (const auto& back :
       {ti::read_safetensors(dir / "m.safetensors"),
        ti::decode_safetensors(testing_support::read_text(dir / "m.safetensors"), "m.safetensors")}) {
    ASSERT_EQ(back.tensors.size(), st.tensors.size());
    EXPECT_EQ(back.metadata, st.metadata);
    for (const auto& [name, t] : st.tensors) {
      const auto& b = back.tensors.at(name);
      EXPECT_EQ(b.scalar_type(), t.scalar_type()) << name;
      EXPECT_EQ(b.sizes(), t.sizes()) << name;
      EXPECT_TRUE(torch::equal(b, t)) << name;
    }
  }
}

TEST(Safetensors, ReadsAnUnpaddedHeaderAndZeroSizedTensors) {
  float v[2] = {0.5f, -1.25f};
  const auto st = ti::decode_safetensors(
      file_of(R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"x":{"dtype":"F32","shape":[2],)"
              R"("data_offsets":[0,8]}})",
              std::string(reinterpret_cast<const char*>(v), 8)),
      "x");
  EXPECT_EQ(st.tensors.at("e").numel(), 0);
  EXPECT_EQ(st.tensors.at("x")[1].item<float>(), -1.25f);
}

TEST(Safetensors, RefusesATooShortFileOrHeaderLength) {
  expect_error("abc", {"3 bytes, too short"});
  expect_error(file_of("{}").substr(0, 9) + "", {"header length at byte 0 is 2 bytes, past the end of the file"});
  std::string huge(8, '\0');
  huge[4] = 1;  // 2^32
  expect_error(huge + "{}", {"over safetensors' limit of 100 MB"});
}

TEST(Safetensors, RefusesAHeaderThatIsNotJson) {
  expect_error(file_of("{\"a\": [1, 2,}"), {"not valid JSON at byte 20"});
  expect_error(file_of("[1]"), {"does not start with '{'"});
  expect_error(file_of("{} x"), {"not valid JSON"});
}

TEST(Safetensors, RefusesDuplicateNames) {
  expect_error(file_of(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                       "ab"),
               {"names 'w' twice (at byte 61)"});
}

TEST(Safetensors, RefusesOverlapsHolesAndOutOfRangeOffsets) {
  const std::string data(16, '\0');
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                       data.substr(0, 12)),
               {"tensor 'b' [4, 12) overlaps tensor 'a' [0, 8)"});
  const auto header = std::string(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})");
  expect_error(file_of(header, data), {"data bytes [8, 12)", "file byte " + std::to_string(8 + header.size() + 8),
                                       "a hole before tensor 'b'"});
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data),
               {"data bytes [8, 16)", "a hole after tensor 'a'"});
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", data.substr(0, 8)),
               {"tensor 'a' (header byte 9): data_offsets [8,16] run past the end of the data (8 bytes"});
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data), {"end before they begin"});
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}})", data), {"is not [begin, end]"});
}

TEST(Safetensors, RefusesASizeThatDoesNotMatchDtypeTimesShape) {
  expect_error(file_of(R"({"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,8]}})", std::string(8, '\0')),
               {"tensor 'a'", "holds 8 bytes, but BF16 x [2, 3] needs 12"});
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})"),
               {"more elements than fit in 64 bits"});
  expect_error(file_of(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,0]}})"), {"not a size >= 0"});
}

TEST(Safetensors, RefusesBadDtypesAndMetadata) {
  expect_error(file_of(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x"),
               {"tensor 'a'", "dtype F8_E4M3 is valid safetensors but has no libtorch tensor type"});
  expect_error(file_of(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", "x"), {"unknown dtype \"Q4\""});
  expect_error(
      file_of(R"({"__metadata__":{"epochs":3}})"),
      {"__metadata__ (header byte 9): the value of 'epochs' is a number, but metadata values must be strings"});
  expect_error(file_of(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}})", "x"),
               {"unknown field 'extra'"});
  expect_error(file_of(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\1\7", 2)),
               {"its byte at file byte", "is 7, not 0 or 1"});
}

TEST(Safetensors, ReadingAFileNamesIt) {
  testing_support::TempDir dir;
  testing_support::write_text(dir / "bad.safetensors", file_of("{\"a\":", ""));
  try {
    ti::read_safetensors(dir / "bad.safetensors");
    FAIL() << "read a bad file";
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "bad.safetensors").string() + ": the header is not valid JSON"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ti::read_safetensors(dir / "missing.safetensors"), torchlab::UserError);
  ti::Safetensors st;
  st.tensors["__metadata__"] = torch::zeros({1});
  EXPECT_THROW(ti::encode_safetensors(st), torchlab::UserError);
}
