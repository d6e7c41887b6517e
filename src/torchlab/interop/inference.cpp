#include "torchlab/interop/inference.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "torchlab/core/error.h"
#include "torchlab/interop/libtorch_message.h"

namespace torchlab::interop {
namespace {

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes() << " (" << c10::toString(t.scalar_type()) << ")";
  return out.str();
}

// libtorch's default handler prints a warning on every call: the oneDNN path of optimize_for_inference warns that
// it resized an output, once per forward. That one says nothing to the user; others are printed once each.
class OnceWarnings : public c10::WarningHandler {
 public:
  void process(const c10::SourceLocation&, const std::string& msg, const bool) override {
    if (msg.rfind("An output with one or more elements was resized", 0) == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (seen_.insert(msg).second) std::cerr << "torchlab: libtorch warning: " << msg << "\n";
  }

 private:
  std::mutex mutex_;
  std::set<std::string> seen_;
};

OnceWarnings& once_warnings() {
  static OnceWarnings handler;
  return handler;
}

torch::Tensor first_tensor(const c10::IValue& out) {
  if (out.isTensor()) return out.toTensor();
  if (out.isTuple())
    for (const auto& item : out.toTupleRef().elements())
      if (item.isTensor()) return item.toTensor();
  if (out.isList())
    for (const auto& item : out.toListRef())
      if (item.isTensor()) return item.toTensor();
  throw UserError("the model's forward returned " + out.tagKind() + ", not a tensor of class scores");
}

}  // namespace

InferenceModel::InferenceModel(torch::jit::Module module, const InferenceOptions& options)
    : module_(std::move(module)), options_(options) {
  module_.eval();
  module_.to(options_.device);
  if (!options_.optimize) {
    unoptimized_reason_ = "not asked to";
    return;
  }
  c10::Warning::WarningHandlerGuard quiet(&once_warnings());
  try {
    auto frozen = torch::jit::freeze(module_);
    module_ = torch::jit::optimize_for_inference(frozen);
  } catch (const std::exception& e) {
    // Freezing refuses modules that mutate their attributes in forward, for one: those run unfrozen.
    unoptimized_reason_ = "torch::jit::freeze refused it: " + libtorch_message(e.what());
  }
}

torch::Tensor InferenceModel::forward(const torch::Tensor& batch) {
  c10::InferenceMode inference;
  c10::Warning::WarningHandlerGuard quiet(&once_warnings());
  const auto input = batch.to(options_.device);
  c10::IValue out;
  std::string why;
  try {
    out = module_.forward({input});
  } catch (const c10::Error& e) {
    why = e.what_without_backtrace();
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!why.empty())
    throw UserError("the model rejected an input of shape " + shape_text(batch) + ": " + libtorch_message(why) +
                    " (check the image size and channels this model expects)");
  auto scores = first_tensor(out);
  if (scores.dim() == 0 || scores.size(0) != batch.size(0))
    throw UserError("the model returned shape " + shape_text(scores) + " for a batch of " +
                    std::to_string(batch.size(0)) + ": expected one row of class scores per input");
  return scores.reshape({scores.size(0), -1}).to(torch::kCPU, torch::kFloat).clone();
}

void InferenceModel::warm_up(const std::vector<int64_t>& shape, int runs) {
  const auto zeros = torch::zeros(shape);
  for (int i = 0; i < runs; ++i) forward(zeros);
}

torch::Tensor to_probabilities(const torch::Tensor& outputs, Softmax mode) {
  const auto x = outputs.to(torch::kDouble);
  if (mode == Softmax::Off) return x;
  if (mode == Softmax::Auto && x.numel() > 0) {
    const bool non_negative = x.min().item<double>() >= 0;
    if (non_negative && (x.sum(1) - 1).abs().max().item<double>() <= 1e-4) return x;
  }
  return torch::softmax(x, 1);
}

std::vector<ClassScore> top_k(const torch::Tensor& row, int64_t k) {
  const auto values = row.to(torch::kDouble).contiguous();
  const double* p = values.data_ptr<double>();
  std::vector<ClassScore> all(values.numel());
  for (size_t i = 0; i < all.size(); ++i) all[i] = {static_cast<int64_t>(i), p[i]};
  k = std::min<int64_t>(std::max<int64_t>(k, 0), all.size());
  std::partial_sort(all.begin(), all.begin() + k, all.end(), [](const ClassScore& a, const ClassScore& b) {
    return a.probability != b.probability ? a.probability > b.probability : a.index < b.index;
  });
  all.resize(k);
  return all;
}

}  // namespace torchlab::interop
