#include <gtest/gtest.h>

#include "torchlab/core/error.h"
#include "torchlab/vision/mnist_config.h"

using namespace torchlab;
using namespace torchlab::vision;

TEST(MnistConfig, RoundTripsThroughJson) {
  MnistConfig c;
  c.model = "mlp";
  c.data = "/tmp/x";
  c.classes = "digits";
  c.epochs = 3;
  c.batch_size = 64;
  c.lr = 0.02;
  c.schedule = "constant";
  c.seed = 9;
  c.train_limit = 100;
  c.test_limit = 50;
  const auto j = c.to_json();
  EXPECT_EQ(j["task"], "mnist");
  EXPECT_EQ(MnistConfig::from_json(j).to_json(), j);
  EXPECT_EQ(MnistConfig::from_json({{"model", "linear"}}).batch_size, 256);  // defaults fill the gaps
  EXPECT_THROW(MnistConfig::from_json({{"task", "char-rnn"}}), UserError);
  // A value of the wrong type is a UserError naming the key (before: nlohmann's type_error, exit 1).
  try {
    MnistConfig::from_json({{"batch_size", "many"}});
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "mnist config: \"batch_size\" is \"many\", expected an integer");
  }
  EXPECT_THROW(MnistConfig::from_json({{"task", 5}}), UserError);
  EXPECT_THROW(MnistConfig::from_json(nlohmann::json::array()), UserError);
}

TEST(MnistConfig, CosineScheduleAndDefaults) {
  EXPECT_DOUBLE_EQ(schedule_factor("cosine", 0, 100), 1.0);
  EXPECT_NEAR(schedule_factor("cosine", 50, 100), 0.5, 1e-12);
  EXPECT_NEAR(schedule_factor("cosine", 25, 100), 0.5 + 0.5 * std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(schedule_factor("cosine", 100, 100), 0.0, 1e-12);
  EXPECT_NEAR(schedule_factor("cosine", 130, 100), 0.0, 1e-12);  // past the end (a resumed run) stays at 0
  EXPECT_DOUBLE_EQ(schedule_factor("constant", 70, 100), 1.0);
  EXPECT_THROW(schedule_factor("step", 0, 1), UserError);
  EXPECT_GT(default_epochs("conv"), 0);
  EXPECT_GT(default_lr("linear"), default_lr("conv"));
}
