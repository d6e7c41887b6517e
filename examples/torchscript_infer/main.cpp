// torchscript_infer: a model trained in Python (torch.jit.script or torch.jit.trace, then .save) classifies an image.
// The first seed's last pointer, without the webcam: `torchscript_infer model.pt image.png`. torchlab checks the file
// is a TorchScript archive, decodes the image with OpenCV in RGB order, scales it to [0, 1] and normalizes it, runs
// forward under InferenceMode and prints the most probable classes (names from the model's `labels` attribute).
#include <torch/script.h>

#include <cstdio>
#include <exception>
#include <string>

#include "torchlab/interop/image_input.h"
#include "torchlab/interop/inference.h"
#include "torchlab/interop/torchscript.h"

constexpr int64_t HEIGHT = 0;  // 0 x 0: the image's own size; e.g. 224 x 224 for torchvision's ImageNet models
constexpr int64_t WIDTH = 0;
constexpr int64_t TOP_K = 3;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s model.pt image.png\n", argv[0]);
    return 2;
  }
  try {
    torch::jit::Module module = torchlab::interop::load_torchscript(std::filesystem::path(argv[1]));
    const std::vector<std::string> labels = torchlab::interop::module_labels(module);
    torchlab::interop::InferenceModel model(module, torchlab::interop::InferenceOptions{});

    torchlab::interop::ImagePreprocess preprocess;  // mean 0, std 1: pixels / 255
    preprocess.height = HEIGHT;
    preprocess.width = WIDTH;
    const torch::Tensor image = torchlab::interop::read_image(argv[2], preprocess);  // 3 x H x W

    const torch::Tensor outputs = model.forward(image.unsqueeze(0));
    const torch::Tensor probabilities =
        torchlab::interop::to_probabilities(outputs, torchlab::interop::Softmax::Auto)[0];
    std::printf("%s: %lld x %lld, %lld classes\n", argv[2], static_cast<long long>(image.size(1)),
                static_cast<long long>(image.size(2)), static_cast<long long>(probabilities.size(0)));
    for (const auto& c : torchlab::interop::top_k(probabilities, TOP_K)) {
      const std::string name = c.index < static_cast<int64_t>(labels.size()) ? labels[c.index] : "";
      std::printf("class %lld %s %.6f\n", static_cast<long long>(c.index), name.c_str(), c.probability);
    }
  } catch (const std::exception& e) {  // a bad file or image: torchlab's message says what and where
    std::fprintf(stderr, "torchscript_infer: %s\n", e.what());
    return 2;
  }
  return 0;
}
