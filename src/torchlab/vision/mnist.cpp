#include "torchlab/vision/mnist.h"

#include <torch/torch.h>

#include <algorithm>

#include "torchlab/core/error.h"
#include "torchlab/vision/idx.h"

namespace torchlab::vision {
namespace {

std::string expected_files_text(const std::string& split) {
  return split + "-images-idx3-ubyte and " + split + "-labels-idx1-ubyte";
}

torch::Tensor borrow(IdxArray array) {
  auto keep = array.bytes;
  void* data = const_cast<uint8_t*>(array.data());
  return torch::from_blob(
      data, array.dims, [keep](void*) mutable { keep.reset(); }, torch::kUInt8);
}

}  // namespace

std::filesystem::path find_idx_file(const std::filesystem::path& dir, const std::string& split,
                                    const std::string& what) {
  const std::string kind = what == "images" ? "idx3" : "idx1";
  for (const std::string& base :
       {split + "-" + what + "-" + kind + "-ubyte", split + "-" + what + "." + kind + "-ubyte"})
    for (const char* ext : {".gz", ""}) {
      const auto p = dir / (base + ext);
      if (std::filesystem::is_regular_file(p)) return p;
    }
  std::string message;
  if (!std::filesystem::is_directory(dir))
    message = "dataset folder " + dir.string() + " does not exist";
  else
    message = "no " + split + "-" + what + "-" + kind + "-ubyte[.gz] in " + dir.string();
  throw UserError(message + "; expected the four idx files " + expected_files_text("train") + ", " +
                  expected_files_text("t10k") + " (plain or .gz). Install Fashion-MNIST with `apt-get install " +
                  "dataset-fashion-mnist` (it goes to " + kDefaultMnistDir + "), or pass --data DIR");
}

MnistSplit load_mnist_split(const std::filesystem::path& dir, const std::string& split) {
  const auto images_path = find_idx_file(dir, split, "images");
  const auto labels_path = find_idx_file(dir, split, "labels");
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3 || images.dims[1] != kImageSide || images.dims[2] != kImageSide) {
    std::string shape;
    for (size_t i = 0; i < images.dims.size(); ++i) shape += (i ? "x" : "") + std::to_string(images.dims[i]);
    throw UserError(images_path.string() + ": expected images of N x 28 x 28 (magic 0x00000803), the header says " +
                    shape);
  }
  if (labels.dims.size() != 1)
    throw UserError(labels_path.string() + ": expected a 1-dimensional label file (magic 0x00000801), the header has " +
                    std::to_string(labels.dims.size()) + " dimensions");
  if (labels.dims[0] != images.dims[0])
    throw UserError(labels_path.string() + " holds " + std::to_string(labels.dims[0]) + " labels but " +
                    images_path.string() + " holds " + std::to_string(images.dims[0]) +
                    " images; the two files must come from the same split");
  const uint8_t* l = labels.data();
  for (int64_t i = 0; i < labels.dims[0]; ++i)
    if (l[i] >= kNumClasses)
      throw UserError(labels_path.string() + ": label " + std::to_string(l[i]) + " of item " + std::to_string(i) +
                      " (byte " + std::to_string(labels.offset + i) + ") is not a class 0..9");
  MnistSplit out;
  out.images = borrow(std::move(images));
  out.labels = borrow(std::move(labels)).to(torch::kInt64);
  return out;
}

std::vector<std::string> class_names(const std::string& set) {
  if (set == "fashion")
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  if (set == "digits") return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  throw UserError("--classes " + set + ": expected fashion, digits or auto");
}

std::string detect_class_set(const std::filesystem::path& dir, const torch::Tensor& train_images) {
  std::string path = std::filesystem::absolute(dir).string();
  std::transform(path.begin(), path.end(), path.begin(), [](unsigned char c) { return std::tolower(c); });
  if (path.find("fashion") != std::string::npos) return "fashion";
  // A few thousand images decide it; converting all 47 M pixels to float would cost 188 MB.
  const auto sample = train_images.slice(0, 0, std::min<int64_t>(train_images.size(0), 4096));
  const double mean = sample.to(torch::kFloat32).mean().item<double>() / 255.0;
  return mean > 0.2 ? "fashion" : "digits";
}

torch::Tensor to_model_input(const torch::Tensor& images_u8) {
  return images_u8.reshape({-1, 1, kImageSide, kImageSide}).to(torch::kFloat32).mul_(1.0 / 255.0);
}

}  // namespace torchlab::vision
