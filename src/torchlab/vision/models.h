#pragma once
// The three classifiers of tch-rs's MNIST example. Each maps float [B, 1, 28, 28] (or [B, 784]) in [0, 1] to
// logits [B, 10].
#include <torch/torch.h>

#include <memory>
#include <string>

namespace torchlab::vision {

class Classifier : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor images) = 0;
};

// 784 -> 10.
class LinearNet : public Classifier {
 public:
  LinearNet();
  torch::Tensor forward(torch::Tensor images) override;

 private:
  torch::nn::Linear fc{nullptr};
};

// 784 -> 128 -> ReLU -> 10.
class MlpNet : public Classifier {
 public:
  explicit MlpNet(int64_t hidden = 128);
  torch::Tensor forward(torch::Tensor images) override;

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

// conv 1->32 k5, max-pool 2, conv 32->64 k5, max-pool 2, fc 1024->1024, ReLU, dropout 0.5, fc 1024->10 (no
// activations after the convolutions, as in tch-rs). Convolutions run channels-last on CPU: oneDNN's fast layout,
// and what lets max_pool2x2 stream over channels. Parameters keep the standard NCHW meaning (checkpoints store them
// contiguous).
class ConvNet : public Classifier {
 public:
  ConvNet();
  torch::Tensor forward(torch::Tensor images) override;
  // Moves conv weights to channels-last (call again after .to(device)); a no-op layout-wise on CUDA.
  void use_channels_last();

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

// "linear", "mlp" or "conv" (UserError otherwise), on `device`.
std::shared_ptr<Classifier> make_classifier(const std::string& kind, const torch::Device& device = torch::kCPU);

// Arithmetic of one training step of `kind` on `batch_size` images, for the device rule (core/device.h).
double training_step_flops(const std::string& kind, int64_t batch_size);

}  // namespace torchlab::vision
