#pragma once
// MNIST-style datasets on disk: Fashion-MNIST from Debian's dataset-fashion-mnist (the default), classic MNIST or
// any 28x28 ten-class set in the same four idx files, plain or gzipped.
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace torchlab::vision {

constexpr const char* kDefaultMnistDir = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kImageSide = 28;
constexpr int64_t kNumClasses = 10;

struct MnistSplit {
  torch::Tensor images;  // uint8 [N, 28, 28]
  torch::Tensor labels;  // int64 [N], 0..9
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

// "train" or "t10k" (the test split), read from `dir`. Looks for <split>-images-idx3-ubyte and
// <split>-labels-idx1-ubyte, each plain or .gz (also the <split>-images.idx3-ubyte spelling). A missing file names
// the files expected and the Debian package; bad shapes, counts or labels name the file.
MnistSplit load_mnist_split(const std::filesystem::path& dir, const std::string& split);

// The four files' paths as found (for messages), or throws the missing-dataset UserError.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, const std::string& split,
                                    const std::string& what);

// Class names: "fashion" (T-shirt/top ... Ankle boot) or "digits" ("0" ... "9").
std::vector<std::string> class_names(const std::string& set);
// "auto": "fashion" when the folder's path says so, else by brightness (Fashion-MNIST's mean pixel is 0.29, MNIST's
// 0.13).
std::string detect_class_set(const std::filesystem::path& dir, const torch::Tensor& train_images);

// uint8 [..., 28, 28] -> float [B, 1, 28, 28] in [0, 1] (the scaling every model here expects).
torch::Tensor to_model_input(const torch::Tensor& images_u8);

}  // namespace torchlab::vision
