#include "torchlab/vision/models.h"

#include <gtest/gtest.h>

#include "torchlab/core/error.h"
#include "torchlab/train/fused_adam.h"
#include "torchlab/vision/classify_step.h"
#include "torchlab/vision/fast_ops.h"
#include "torchlab/vision/mnist.h"
#include "vision/synthetic.h"

using namespace torchlab;
using namespace torchlab::vision;

namespace {

int64_t count_parameters(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace

TEST(Models, ShapesAndParameterCountsOfTheThreeNets) {
  torch::manual_seed(0);
  const auto x = torch::rand({5, 1, 28, 28});
  // linear 784*10+10; MLP 784*128+128 + 128*10+10; conv as tch-rs: 1*32*25+32 + 32*64*25+64 + 1024*1024+1024 +
  // 1024*10+10.
  const std::vector<std::pair<std::string, int64_t>> nets = {
      {"linear", 7850}, {"mlp", 101770}, {"conv", 832 + 51264 + 1049600 + 10250}};
  for (const auto& [kind, params] : nets) {
    auto model = make_classifier(kind);
    EXPECT_EQ(count_parameters(*model), params) << kind;
    EXPECT_EQ(model->forward(x).sizes(), (std::vector<int64_t>{5, 10})) << kind;
    EXPECT_EQ(model->forward(x.view({5, 784})).sizes(), (std::vector<int64_t>{5, 10})) << kind;
  }
  EXPECT_THROW(make_classifier("resnet"), UserError);
}

TEST(Models, ConvFastPathComputesWhatStockLibtorchComputes) {
  torch::manual_seed(1);
  auto model = make_classifier("conv");
  const auto x = torch::rand({6, 1, 28, 28});
  const auto labels = torch::tensor({0, 1, 2, 3, 4, 5}, torch::kInt64);
  // Same parameters, evaluated once with the fused kernels and once with stock ops on NCHW copies of the weights.
  model->eval();
  const auto fast = model->forward(x);
  auto stock = std::make_shared<ConvNet>();
  for (size_t i = 0; i < model->parameters().size(); ++i)
    stock->parameters()[i].set_data(model->parameters()[i].detach().contiguous().clone());
  stock->eval();
  set_fast_ops(false);
  const auto slow = stock->forward(x);
  set_fast_ops(true);
  EXPECT_TRUE(torch::allclose(fast, slow, 1e-4, 1e-5)) << (fast - slow).abs().max();
  // Gradients agree too (train mode would draw different dropout masks, so compare in eval mode).
  torch::cross_entropy_loss(model->forward(x), labels).backward();
  set_fast_ops(false);
  torch::cross_entropy_loss(stock->forward(x), labels).backward();
  set_fast_ops(true);
  for (size_t i = 0; i < stock->parameters().size(); ++i)
    EXPECT_TRUE(torch::allclose(model->parameters()[i].grad().contiguous(), stock->parameters()[i].grad(), 1e-3, 1e-5))
        << "parameter " << i;
}

TEST(Models, OverfitAFewHundredExamples) {
  // Random labels on noise: nothing to generalize, only to memorize; 300 examples, full batch.
  torch::manual_seed(2);
  const auto images = torch::randint(0, 256, {300, 28, 28}, torch::kInt64).to(torch::kUInt8);
  const auto labels = torch::randint(0, 10, {300}, torch::kInt64);
  const train::Batch batch = {to_model_input(images), labels, torch::arange(300)};
  for (const std::string kind : {"mlp", "linear"}) {
    auto model = make_classifier(kind);
    torchlab::train::FusedAdam adam(model->parameters(), torch::optim::AdamOptions(kind == "mlp" ? 3e-3 : 1e-2));
    double accuracy = 0;
    for (int step = 0; step < 300 && accuracy < 1.0; ++step) {
      auto r = classify_step(*model, batch);
      adam.zero_grad();
      r.loss.backward();
      adam.step();
      accuracy = r.metrics.at("accuracy");
    }
    EXPECT_GE(accuracy, 0.99) << kind;
  }
}

TEST(Models, ConvNetLearnsTheSyntheticSet) {
  torch::manual_seed(3);
  const auto data = synthetic::make_images(256, 7);
  const auto images = torch::from_blob(const_cast<uint8_t*>(data.pixels.data()), {256, 28, 28}, torch::kUInt8);
  const auto labels =
      torch::from_blob(const_cast<uint8_t*>(data.labels.data()), {256}, torch::kUInt8).to(torch::kInt64);
  const train::Batch batch = {to_model_input(images), labels, torch::arange(256)};
  auto model = make_classifier("conv");
  torchlab::train::FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 15; ++step) {
    auto r = classify_step(*model, batch);
    if (step == 0) first = r.loss.item<double>();
    last = r.loss.item<double>();
    adam.zero_grad();
    r.loss.backward();
    adam.step();
  }
  EXPECT_GT(first, 2.0);  // about ln 10 at the start
  EXPECT_LT(last, 0.5 * first);
}
