// The device rule: "auto" keeps small networks on the CPU even where CUDA is available, and sends the big ones to
// the GPU; explicit devices are taken as given.
#include <gtest/gtest.h>

#include "torchlab/core/device.h"
#include "torchlab/rl/dqn_config.h"
#include "torchlab/text/char_rnn_config.h"
#include "torchlab/vision/models.h"

using namespace torchlab;

TEST(DeviceRule, AutoKeepsSmallNetworksOnTheCpu) {
  // The DQN's MLPs: a move is one board's forward and a share of a 64-board update.
  for (const auto* preset : {"default", "seed"}) {
    const auto dqn = rl::DqnConfig::defaults("tictactoe", preset);
    EXPECT_LT(dqn.step_flops(), kCudaMinFlopsPerStep) << preset;
    EXPECT_FALSE(auto_picks_cuda(dqn.step_flops(), true)) << preset;
  }
  EXPECT_FALSE(auto_picks_cuda(rl::DqnConfig::defaults("cartpole").step_flops(), true));
  EXPECT_FALSE(auto_picks_cuda(vision::training_step_flops("linear", 256), true));
  // 9-input MLP with 128-128 hidden: 2 x 19.6 k parameters + 6 x 19.6 k x 64 per move.
  auto dqn = rl::DqnConfig::defaults("tictactoe");
  dqn.hidden = {128, 128};
  dqn.batch_size = 64;
  dqn.train_every = 1;
  const double params = 10 * 128 + 129 * 128 + 129 * 9;  // (inputs + bias) x outputs, layer by layer
  ASSERT_EQ(rl::observation_size("tictactoe"), 9);
  EXPECT_DOUBLE_EQ(dqn.step_flops(), 2 * params + 6 * params * 64);
}

TEST(DeviceRule, AutoSendsBigNetworksToCudaWhereThereIsOne) {
  const auto tch = text::preset_config("tch");  // 256 x 180 characters through an LSTM of 256
  EXPECT_TRUE(auto_picks_cuda(text::training_step_flops(tch), true));
  EXPECT_FALSE(auto_picks_cuda(text::training_step_flops(tch), false));
  EXPECT_TRUE(auto_picks_cuda(text::training_step_flops(text::preset_config("default")), true));
  EXPECT_TRUE(auto_picks_cuda(vision::training_step_flops("conv", 256), true));
  EXPECT_TRUE(auto_picks_cuda(vision::training_step_flops("mlp", 256), true));
}

TEST(DeviceRule, ExplicitDevicesAreTakenAsGiven) {
  EXPECT_TRUE(resolve_device("cpu", 1e300).is_cpu());
  EXPECT_TRUE(resolve_device("auto", 0).is_cpu());
  if (!torch::cuda::is_available()) {
    EXPECT_TRUE(resolve_device("auto", 1e300).is_cpu());
    EXPECT_THROW(resolve_device("cuda", 0), std::exception);  // forced, and not there
  } else {
    EXPECT_TRUE(resolve_device("cuda", 0).is_cuda());  // forced, however small
    EXPECT_TRUE(resolve_device("auto", 1e300).is_cuda());
  }
}
