#include <gtest/gtest.h>

#include "torchlab/core/device.h"
#include "torchlab/core/error.h"

using namespace torchlab;

TEST(Device, ResolvesCpuAndAuto) {
  EXPECT_EQ(resolve_device("cpu"), torch::Device(torch::kCPU));
  const auto dev = resolve_device("auto");
  EXPECT_EQ(dev.is_cuda(), torch::cuda::is_available());
}

TEST(Device, RejectsJunk) {
  EXPECT_THROW(resolve_device("gpu"), UserError);
  EXPECT_THROW(resolve_device("cuda:x"), UserError);
  if (!torch::cuda::is_available()) {
    try {
      resolve_device("cuda");
      FAIL();
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("not available"), std::string::npos);
    }
  }
}

TEST(Device, SeedMakesTorchDeterministic) {
  seed_everything(7);
  auto a = torch::randn({4});
  seed_everything(7);
  auto b = torch::randn({4});
  EXPECT_TRUE(torch::equal(a, b));
}
