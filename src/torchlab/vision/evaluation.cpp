#include "torchlab/vision/evaluation.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace torchlab::vision {
namespace {

std::string percent(double fraction, int digits = 2) {
  if (std::isnan(fraction)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f%%", digits, 100 * fraction);
  return buf;
}

std::string pad(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

Evaluation::Evaluation(size_t keep_misclassified)
    : keep_(keep_misclassified), confusion_(kNumClasses * kNumClasses, 0) {}

void Evaluation::clear() {
  count_ = 0;
  loss_sum_ = 0;
  std::fill(confusion_.begin(), confusion_.end(), 0);
  misclassified_.clear();
}

void Evaluation::add(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& inputs,
                     int64_t first_index) {
  torch::NoGradGuard no_grad;
  const auto logits_cpu = logits.detach().to(torch::kCPU, torch::kFloat32);
  const auto labels_cpu = labels.to(torch::kCPU, torch::kInt64).contiguous();
  loss_sum_ += torch::cross_entropy_loss(logits_cpu, labels_cpu, {}, at::Reduction::Sum).item<double>();
  const auto probs = torch::softmax(logits_cpu, 1);
  const auto [top, predicted] = probs.max(1);
  const auto pred = predicted.contiguous();
  const int64_t n = labels_cpu.size(0);
  const int64_t* l = labels_cpu.data_ptr<int64_t>();
  const int64_t* p = pred.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    ++confusion_[l[i] * kNumClasses + p[i]];
    if (l[i] != p[i] && misclassified_.size() < keep_) {
      Misclassified m{first_index + i, l[i], p[i], top[i].item<double>(), {}};
      const auto img = inputs[i].detach().to(torch::kCPU, torch::kFloat32).reshape({-1}).mul(255).round().clamp(0, 255);
      const auto bytes = img.to(torch::kUInt8).contiguous();
      m.pixels.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
      misclassified_.push_back(std::move(m));
    }
  }
  count_ += n;
}

int64_t Evaluation::correct() const {
  int64_t c = 0;
  for (int64_t k = 0; k < kNumClasses; ++k) c += confusion_[k * kNumClasses + k];
  return c;
}

double Evaluation::accuracy() const { return count_ ? double(correct()) / count_ : 0; }

std::vector<double> Evaluation::per_class_accuracy() const {
  std::vector<double> out;
  for (int64_t k = 0; k < kNumClasses; ++k) {
    int64_t total = 0;
    for (int64_t j = 0; j < kNumClasses; ++j) total += confusion_[k * kNumClasses + j];
    out.push_back(total ? double(confusion_[k * kNumClasses + k]) / total : std::nan(""));
  }
  return out;
}

nlohmann::json Evaluation::confusion_table(const std::vector<std::string>& classes) const {
  nlohmann::json columns = {"true \\ predicted"};
  for (const auto& c : classes) columns.push_back(c);
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t k = 0; k < kNumClasses; ++k) {
    nlohmann::json row = {classes[k]};
    for (int64_t j = 0; j < kNumClasses; ++j) row.push_back(confusion_[k * kNumClasses + j]);
    rows.push_back(row);
  }
  return {{"title", "Confusion matrix on " + std::to_string(count_) + " test images (rows: true class)"},
          {"columns", columns},
          {"rows", rows}};
}

nlohmann::json Evaluation::per_class_table(const std::vector<std::string>& classes) const {
  nlohmann::json rows = nlohmann::json::array();
  const auto acc = per_class_accuracy();
  for (int64_t k = 0; k < kNumClasses; ++k) {
    int64_t total = 0;
    for (int64_t j = 0; j < kNumClasses; ++j) total += confusion_[k * kNumClasses + j];
    rows.push_back({classes[k], total, percent(acc[k], 1)});
  }
  rows.push_back({"all", count_, percent(accuracy())});
  return {{"title", "Test accuracy by class"}, {"columns", {"class", "images", "accuracy"}}, {"rows", rows}};
}

nlohmann::json Evaluation::misclassified_images(const std::vector<std::string>& classes) const {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& m : misclassified_) {
    images.push_back({{"caption", "#" + std::to_string(m.index) + ": " + classes[m.label] + ", predicted " +
                                      classes[m.predicted] + " (" + percent(m.probability, 0) + ")"},
                      {"width", kImageSide},
                      {"height", kImageSide},
                      {"pixels", m.pixels}});
  }
  return {{"title", "Misclassified test images (true class, predicted class)"}, {"images", images}};
}

std::string Evaluation::text(const std::vector<std::string>& classes) const {
  std::ostringstream o;
  o << "Test accuracy: " << percent(accuracy()) << " (" << correct() << " / " << count_ << "), mean loss ";
  char loss[32];
  std::snprintf(loss, sizeof loss, "%.4f", mean_loss());
  o << loss << "\n\n";
  size_t name_width = 5;
  for (const auto& c : classes) name_width = std::max(name_width, c.size() + 3);
  o << pad("class", name_width, false) << pad("images", 8, true) << pad("accuracy", 10, true) << "\n";
  const auto acc = per_class_accuracy();
  for (int64_t k = 0; k < kNumClasses; ++k) {
    int64_t total = 0;
    for (int64_t j = 0; j < kNumClasses; ++j) total += confusion_[k * kNumClasses + j];
    o << pad(std::to_string(k) + " " + classes[k], name_width, false) << pad(std::to_string(total), 8, true)
      << pad(percent(acc[k], 1), 10, true) << "\n";
  }
  o << "\nConfusion matrix (rows: true class, columns: predicted class)\n" << std::string(name_width, ' ');
  for (int64_t j = 0; j < kNumClasses; ++j) o << pad(std::to_string(j), 6, true);
  o << "\n";
  for (int64_t k = 0; k < kNumClasses; ++k) {
    o << pad(std::to_string(k) + " " + classes[k], name_width, false);
    for (int64_t j = 0; j < kNumClasses; ++j) o << pad(std::to_string(confusion_[k * kNumClasses + j]), 6, true);
    o << "\n";
  }
  return o.str();
}

Evaluation evaluate(Classifier& model, const MnistSplit& split, const torch::Device& device, int64_t batch_size,
                    size_t keep_misclassified) {
  Evaluation eval(keep_misclassified);
  const bool was_training = model.is_training();
  model.eval();
  torch::InferenceMode guard;
  for (int64_t begin = 0; begin < split.size(); begin += batch_size) {
    const int64_t end = std::min(begin + batch_size, split.size());
    const auto inputs = to_model_input(split.images.slice(0, begin, end)).to(device);
    eval.add(model.forward(inputs), split.labels.slice(0, begin, end), inputs, begin);
  }
  model.train(was_training);
  return eval;
}

}  // namespace torchlab::vision
