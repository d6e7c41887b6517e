#include "torchlab/interop/torchscript.h"

#include <gtest/gtest.h>

#include <cmath>

#include "interop/fixtures.h"
#include "support/test_support.h"
#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"
#include "torchlab/interop/inference.h"
#include "torchlab/interop/torchscript_archive.h"

using namespace torchlab::interop;
namespace fx = interop_fixtures;

namespace {

// The UserError's message, or a failure when the call does not throw one.
template <typename F>
std::string user_error(F&& f) {
  try {
    f();
  } catch (const torchlab::UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UserError";
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// sin(0.001 * i) over 2 x 3 x 64 x 64, as make_fixtures.py builds it.
torch::Tensor ramp() { return torch::arange(2 * 3 * 64 * 64, torch::kFloat).mul(0.001).sin().view({2, 3, 64, 64}); }

}  // namespace

TEST(TorchScript, DescribesScriptedMobilenet) {
  const auto module = load_torchscript(std::filesystem::path(fx::file("mobilenet_v3_small.pt")));
  const auto s = summarize(module);
  ASSERT_FALSE(s.methods.empty());
  EXPECT_EQ(s.methods.front(), "forward");
  EXPECT_TRUE(contains(s.forward_schema, "forward(")) << s.forward_schema;
  EXPECT_TRUE(contains(s.forward_schema, "Tensor x) -> Tensor")) << s.forward_schema;
  EXPECT_TRUE(contains(s.type_name, "MobileNetV3")) << s.type_name;
  EXPECT_EQ(s.parameter_count, fx::expected()["mobilenet_parameters"].get<int64_t>());
  EXPECT_EQ(s.dtypes.size(), 1u);
  EXPECT_EQ(s.dtypes.begin()->first, "Float");
  EXPECT_EQ(s.input_channels, 3);
  EXPECT_TRUE(s.labels.empty());
  EXPECT_TRUE(contains(format_summary(s), "parameters: " + std::to_string(s.parameter_count)));
}

// The module as loaded (the default) gives Python's logits. The opt-in freeze + optimize_for_inference path is not
// held to 1e-5: on libtorch 1.13 it moved these logits by up to 0.19.
TEST(TorchScript, PlainModuleMatchesPythonWithin1e5) {
  const auto& want = fx::expected()["mobilenet_ramp_logits"];
  for (bool optimize : {false}) {
    InferenceModel model(load_torchscript(std::filesystem::path(fx::file("mobilenet_v3_small.pt"))),
                         {torch::kCPU, optimize});
    EXPECT_EQ(model.unoptimized_reason().empty(), optimize) << model.unoptimized_reason();
    const auto got = model.forward(ramp());
    ASSERT_EQ(got.sizes(), (std::vector<int64_t>{2, 10}));
    double worst = 0;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 10; ++j)
        worst = std::max(worst, std::abs(got[i][j].item<double>() - want[i][j].get<double>()));
    EXPECT_LT(worst, 1e-5) << "optimize=" << optimize;
    const auto p = to_probabilities(got, Softmax::Auto);
    EXPECT_NEAR(p.sum(1)[0].item<double>(), 1.0, 1e-12);
  }
}

TEST(TorchScript, LabelsAttributeAndInputChannels) {
  const auto labeled = load_torchscript(std::filesystem::path(fx::file("cnn_labeled.pt")));
  const auto labels = module_labels(labeled);
  ASSERT_EQ(labels.size(), 10u);
  EXPECT_EQ(labels[0], "T-shirt/top");
  EXPECT_EQ(labels[9], "Ankle boot");
  const auto traced = summarize(load_torchscript(std::filesystem::path(fx::file("cnn_traced.pt"))));
  EXPECT_TRUE(traced.labels.empty());
  EXPECT_EQ(traced.input_channels, 1);
}

TEST(TorchScript, RejectedShapeShowsShapeAndModelMessage) {
  InferenceModel model(load_torchscript(std::filesystem::path(fx::file("cnn_traced.pt"))), {});
  const auto message = user_error([&] { model.forward(torch::zeros({1, 1, 32, 32})); });
  EXPECT_TRUE(contains(message, "[1, 1, 32, 32]")) << message;
  EXPECT_TRUE(contains(message, "mat1 and mat2 shapes cannot be multiplied")) << message;
  EXPECT_FALSE(contains(message, "Exception raised from")) << message;
}

TEST(TorchScript, NamesWhatABadFileIs) {
  EXPECT_TRUE(contains(user_error([] { load_torchscript_bytes("", "<empty>"); }), "is empty"));
  EXPECT_TRUE(contains(user_error([] { load_torchscript_bytes("hello", "<text>"); }), "not a TorchScript archive"));
  const auto legacy = user_error([] { load_torchscript(std::filesystem::path(fx::file("legacy.pt"))); });
  EXPECT_TRUE(contains(legacy, "legacy")) << legacy;
  EXPECT_TRUE(contains(legacy, "torch.jit.script")) << legacy;
  const auto state = user_error([] { load_torchscript(std::filesystem::path(fx::file("state_dict.pt"))); });
  EXPECT_TRUE(contains(state, "torch.save()")) << state;
  EXPECT_TRUE(contains(state, "state_dict")) << state;
  EXPECT_TRUE(contains(state, "torch.jit.trace")) << state;
  EXPECT_TRUE(contains(state, "safetensors")) << state;
  const auto missing = user_error([] { load_torchscript(std::filesystem::path("/nonexistent/model.pt")); });
  EXPECT_TRUE(contains(missing, "/nonexistent/model.pt")) << missing;

  const auto good = torchlab::read_file(fx::file("cnn_traced.pt"));
  const auto half = user_error([&] { load_torchscript_bytes(good.substr(0, good.size() / 2), "<half>"); });
  EXPECT_TRUE(contains(half, "<half>")) << half;
  // A flipped byte inside a stored entry: the zip's CRC no longer matches, and libtorch says so.
  const auto listing = check_torchscript_archive(good, "cnn");
  const auto data = std::find_if(listing.entries.begin(), listing.entries.end(),
                                 [&](const ArchiveEntry& e) { return e.name == listing.prefix + "/data.pkl"; });
  ASSERT_NE(data, listing.entries.end());
  auto flipped = good;
  flipped[data->data_offset + data->size / 2] ^= 0x40;
  const auto crc = user_error([&] { load_torchscript_bytes(flipped, "<flipped>"); });
  EXPECT_TRUE(contains(crc, "libtorch could not load")) << crc;
}

TEST(TorchScript, ListsThePytorchZipLayout) {
  const auto bytes = torchlab::read_file(fx::file("mobilenet_v3_small.pt"));
  const auto listing = check_torchscript_archive(bytes, "mobilenet");
  EXPECT_EQ(listing.prefix, "mobilenet_v3_small");
  bool version = false;
  for (const auto& e : listing.entries) {
    if (e.name == "mobilenet_v3_small/version") {
      version = true;
      EXPECT_EQ(bytes.substr(e.data_offset, e.size).substr(0, 1), "3");  // torch 1.13 writes file format 3
    }
    EXPECT_LE(e.data_offset + e.size, bytes.size());
  }
  EXPECT_TRUE(version);
}

// Arbitrary damage anywhere -- each byte position class, and truncation -- gives a module or a UserError, never an
// abort: what the fuzz target checks at scale, here on a fixed sample.
TEST(TorchScript, DamagedArchivesGiveUserErrors) {
  const auto good = torchlab::read_file(fx::file("cnn_traced.pt"));
  int loaded = 0, refused = 0;
  auto attempt = [&](const std::string& bytes) {
    try {
      load_torchscript_bytes(bytes, "<damaged>");
      ++loaded;
    } catch (const torchlab::UserError&) {
      ++refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a UserError: " << e.what();
    }
  };
  const size_t n = good.size();
  for (size_t k = 0; k < 60; ++k) {
    auto bytes = good;
    // The tail (end record and central directory) gets denser coverage: that is where offsets live.
    const size_t at = k < 30 ? k * n / 30 : n - 1 - (k - 30) * 97 % std::min<size_t>(n, 3000);
    bytes[at] = static_cast<char>(bytes[at] ^ (0x5a + k));
    attempt(bytes);
  }
  for (size_t k = 1; k < 20; ++k) attempt(good.substr(0, k * n / 20));
  EXPECT_GT(refused, 40);
  SUCCEED() << loaded << " loaded, " << refused << " refused";
}
