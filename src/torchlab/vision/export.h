#pragma once
// Fashion-MNIST classifiers in and out of torchlab: TorchScript and safetensors export. The PyTorch twins, whose
// state_dict() names torchlab uses unchanged (input: float [N, 1, 28, 28] in [0, 1], no further normalization):
//
//   linear: fc = nn.Linear(784, 10);                    forward: fc(x.flatten(1))
//   mlp:    fc1 = nn.Linear(784, 128), fc2 = nn.Linear(128, 10);  forward: fc2(relu(fc1(x.flatten(1))))
//   conv:   conv1 = nn.Conv2d(1, 32, 5), conv2 = nn.Conv2d(32, 64, 5), fc1 = nn.Linear(1024, 1024),
//           fc2 = nn.Linear(1024, 10);
//           forward: x = max_pool2d(conv1(x), 2); x = max_pool2d(conv2(x), 2);
//                    fc2(dropout(relu(fc1(x.flatten(1))), 0.5))   (no activation after the convolutions)
#include <torch/script.h>

#include <string>
#include <vector>

#include "torchlab/core/checkpoint.h"
#include "torchlab/interop/export.h"
#include "torchlab/vision/models.h"

namespace torchlab::vision {

// Writes <stem>.pt (TorchScript: forward(images [N, 1, 28, 28] float in [0, 1]) -> logits [N, 10]; attributes
// labels, model, config) and/or <stem>.safetensors (weights + metadata config, labels).
std::vector<interop::ExportedFile> export_mnist(const Checkpoint& ckpt, const std::string& source,
                                                const interop::ExportOptions& options);

// The TorchScript module of a classifier ("linear", "mlp" or "conv"), weights copied.
torch::jit::Module mnist_torchscript(const std::string& kind, Classifier& model,
                                     const std::vector<std::string>& classes, const nlohmann::json& config);

}  // namespace torchlab::vision
