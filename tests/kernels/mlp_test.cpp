#include "torchlab/kernels/mlp.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

using namespace torchlab::kernels;

// The DQN's shapes (9-32-32-9) and an odd one, against torch::nn::Linear + ReLU; fast equals reference bit for bit.
TEST(Mlp, MatchesTorchAndTheReference) {
  for (const std::vector<int64_t>& sizes : {std::vector<int64_t>{9, 32, 32, 9}, std::vector<int64_t>{4, 13, 2}}) {
    torch::manual_seed(5);
    std::vector<torch::nn::Linear> torch_layers;
    std::vector<MlpLayer> layers;
    for (size_t l = 0; l + 1 < sizes.size(); ++l) {
      torch_layers.emplace_back(sizes[l], sizes[l + 1]);
      layers.push_back({torch_layers.back()->weight.data_ptr<float>(), torch_layers.back()->bias.data_ptr<float>(),
                        sizes[l], sizes[l + 1]});
    }
    const int64_t n = 5;
    auto x = torch::randn({n, sizes.front()});
    torch::Tensor want = x;
    {
      torch::NoGradGuard g;
      for (size_t l = 0; l < torch_layers.size(); ++l) {
        want = torch_layers[l]->forward(want);
        if (l + 1 < torch_layers.size()) want = torch::relu(want);
      }
    }
    MlpForward mlp(layers);
    EXPECT_EQ(mlp.inputs(), sizes.front());
    EXPECT_EQ(mlp.outputs(), sizes.back());
    std::vector<float> y(n * sizes.back()), ref(y.size());
    mlp.forward(x.data_ptr<float>(), n, y.data());
    mlp_forward_reference(layers, x.data_ptr<float>(), n, ref.data());
    EXPECT_EQ(0, std::memcmp(y.data(), ref.data(), y.size() * sizeof(float)));
    auto flat = want.contiguous();
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], flat.data_ptr<float>()[i], 1e-5) << i;
  }
}
