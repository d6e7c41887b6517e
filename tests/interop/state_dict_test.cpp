#include "torchlab/interop/state_dict.h"

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/interop/safetensors.h"

namespace ti = torchlab::interop;

namespace {

struct Net : torch::nn::Module {
  Net() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    steps = register_buffer("steps", torch::zeros({1}, torch::kInt64));
  }
  torch::nn::Linear fc{nullptr};
  torch::Tensor steps;
};

}  // namespace

TEST(StateDict, NamesParametersAndBuffersAsPyTorchDoes) {
  Net net;
  const auto sd = ti::state_dict(net);
  ASSERT_EQ(sd.size(), 3u);
  EXPECT_TRUE(torch::equal(sd.at("fc.weight"), net.fc->weight));
  EXPECT_EQ(sd.at("steps").scalar_type(), torch::kInt64);
}

TEST(StateDict, StrictLoadListsEveryMismatchAtOnce) {
  Net net;
  const auto before = net.fc->weight.clone();
  ti::StateDict bad = {{"fc.weight", torch::zeros({2, 4})},
                       {"steps", torch::zeros({1}, torch::kFloat32)},
                       {"fc.extra", torch::zeros({1})}};
  try {
    ti::load_state_dict(net, bad, "w.safetensors");
    FAIL() << "loaded mismatching weights";
  } catch (const torchlab::UserError& e) {
    const std::string msg = e.what();
    for (const char* part :
         {"w.safetensors does not fit the model: missing keys: fc.bias; unexpected keys: fc.extra; wrong shape: "
          "fc.weight is [2, 4] in the file, [2, 3] in the model; wrong dtype: steps is F32 in the file, I64 in the "
          "model"})
      EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
  EXPECT_TRUE(torch::equal(net.fc->weight, before));  // nothing copied

  ti::StateDict good = {{"fc.weight", torch::arange(6, torch::kFloat32).view({2, 3})},
                        {"fc.bias", torch::ones({2})},
                        {"steps", torch::full({1}, 5, torch::kInt64)}};
  testing_support::TempDir dir;
  ti::write_safetensors(dir / "w.safetensors", {good, {}});
  const auto provenance = ti::init_from_safetensors(net, dir / "w.safetensors");
  EXPECT_TRUE(torch::equal(net.fc->weight, good.at("fc.weight")));
  EXPECT_EQ(net.steps.item<int64_t>(), 5);
  EXPECT_EQ(provenance["bytes"].get<uint64_t>(), std::filesystem::file_size(dir / "w.safetensors"));
  EXPECT_EQ(provenance["crc32"].get<std::string>().size(), 8u);
}
