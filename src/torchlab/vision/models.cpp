#include "torchlab/vision/models.h"

#include "torchlab/core/config_fields.h"
#include "torchlab/core/error.h"
#include "torchlab/vision/fast_ops.h"

namespace torchlab::vision {
namespace {

torch::Tensor flat(const torch::Tensor& images) { return images.reshape({images.size(0), -1}); }

// contiguous(ChannelsLast) leaves a one-channel NCHW tensor as it is (its strides already qualify), and oneDNN then
// reads the layout as NCHW and runs the whole net that way. Give such tensors explicit channels-last strides.
torch::Tensor channels_last(const torch::Tensor& t) {
  if (t.size(1) == 1 && t.is_contiguous())  // same memory, channels-last strides: a free view
    return t.as_strided(t.sizes(), {t.size(2) * t.size(3), 1, t.size(3), 1});
  return t.contiguous(torch::MemoryFormat::ChannelsLast);
}

}  // namespace

LinearNet::LinearNet() { fc = register_module("fc", torch::nn::Linear(784, 10)); }

torch::Tensor LinearNet::forward(torch::Tensor images) { return fc(flat(images)); }

MlpNet::MlpNet(int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(784, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, 10));
}

torch::Tensor MlpNet::forward(torch::Tensor images) { return fc2(torch::relu(fc1(flat(images)))); }

ConvNet::ConvNet() {
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 5)));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 5)));
  fc1 = register_module("fc1", torch::nn::Linear(1024, 1024));
  fc2 = register_module("fc2", torch::nn::Linear(1024, 10));
  use_channels_last();
}

void ConvNet::use_channels_last() {
  torch::NoGradGuard no_grad;
  for (auto* conv : {&conv1, &conv2}) {
    auto& w = (*conv)->weight;
    if (w.device().is_cpu()) w.set_data(channels_last(w));
  }
}

torch::Tensor ConvNet::forward(torch::Tensor images) {
  auto x = images.reshape({-1, 1, 28, 28});
  if (x.device().is_cpu()) x = channels_last(x);
  x = max_pool2x2(conv_single_channel(x, conv1->weight, conv1->bias));
  x = max_pool2x2(conv2(x));
  x = relu_dropout(fc1(x.reshape({-1, 1024})), 0.5, is_training());
  return fc2(x);
}

std::shared_ptr<Classifier> make_classifier(const std::string& kind, const torch::Device& device) {
  std::shared_ptr<Classifier> model;
  if (kind == "linear")
    model = std::make_shared<LinearNet>();
  else if (kind == "mlp")
    model = std::make_shared<MlpNet>();
  else if (kind == "conv")
    model = std::make_shared<ConvNet>();
  else
    throw FieldError("model", kind, "expected linear, mlp or conv");
  model->to(device);
  if (auto conv = std::dynamic_pointer_cast<ConvNet>(model)) conv->use_channels_last();
  return model;
}

double training_step_flops(const std::string& kind, int64_t batch_size) {
  // Multiply-adds of one image's forward pass, counted as 2 FLOPs; a training step is about 3 forwards.
  double forward = 0;
  if (kind == "linear")
    forward = 2.0 * 784 * 10;
  else if (kind == "mlp")
    forward = 2.0 * (784 * 128 + 128 * 10);
  else if (kind == "conv")  // 5x5 convolutions to 24x24x32 and 8x8x64 (after 2x2 pooling), then 1024-1024-10
    forward = 2.0 * (24 * 24 * 32 * 25 + 8 * 8 * 64 * 32 * 25 + 1024 * 1024 + 1024 * 10);
  else
    return 1e300;  // not a model: make_classifier says so
  return 3 * forward * static_cast<double>(batch_size);
}

}  // namespace torchlab::vision
