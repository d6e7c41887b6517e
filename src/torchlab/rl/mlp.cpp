#include "torchlab/rl/mlp.h"

#include "torchlab/core/error.h"

namespace torchlab::rl {

MlpImpl::MlpImpl(std::vector<int64_t> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) throw UserError("an MLP needs at least an input and an output size");
  for (int64_t s : sizes_)
    if (s <= 0) throw UserError("MLP layer sizes must be positive");
  for (size_t l = 0; l + 1 < sizes_.size(); ++l)
    layers_.push_back(register_module("fc" + std::to_string(l + 1), torch::nn::Linear(sizes_[l], sizes_[l + 1])));
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  for (size_t l = 0; l < layers_.size(); ++l) {
    x = layers_[l]->forward(x);
    if (l + 1 < layers_.size()) x = torch::relu(x);
  }
  return x;
}

}  // namespace torchlab::rl
