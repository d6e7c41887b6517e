#pragma once
// Test-set evaluation of a classifier: accuracy, per-class accuracy, confusion matrix and a few misclassified
// examples, plus their renderings for the console and the run report.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchlab/vision/mnist.h"
#include "torchlab/vision/models.h"

namespace torchlab::vision {

struct Misclassified {
  int64_t index;  // position in the split
  int64_t label;
  int64_t predicted;
  double probability;           // of the predicted class
  std::vector<uint8_t> pixels;  // 28 x 28 grey
};

class Evaluation {
 public:
  explicit Evaluation(size_t keep_misclassified = 16);
  // Adds a batch: logits [B, 10], labels int64 [B], model inputs [B, 1, 28, 28] in [0, 1] (for the examples);
  // `first_index` is the split position of the batch's first item.
  void add(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& inputs, int64_t first_index);
  void clear();

  int64_t count() const { return count_; }
  int64_t correct() const;
  double accuracy() const;  // 0..1
  double mean_loss() const { return count_ ? loss_sum_ / count_ : 0; }
  const std::vector<int64_t>& confusion() const { return confusion_; }  // [true * 10 + predicted]
  std::vector<double> per_class_accuracy() const;                       // NaN for a class without test items
  const std::vector<Misclassified>& misclassified() const { return misclassified_; }

  // RunDir::save_table / save_images payloads.
  nlohmann::json confusion_table(const std::vector<std::string>& classes) const;
  nlohmann::json per_class_table(const std::vector<std::string>& classes) const;
  nlohmann::json misclassified_images(const std::vector<std::string>& classes) const;
  // Accuracy, per-class accuracy and the confusion matrix as aligned text.
  std::string text(const std::vector<std::string>& classes) const;

 private:
  size_t keep_;
  int64_t count_ = 0;
  double loss_sum_ = 0;
  std::vector<int64_t> confusion_;
  std::vector<Misclassified> misclassified_;
};

// Runs `model` in eval mode without autograd over `split` in batches of `batch_size`.
Evaluation evaluate(Classifier& model, const MnistSplit& split, const torch::Device& device, int64_t batch_size = 1000,
                    size_t keep_misclassified = 16);

}  // namespace torchlab::vision
