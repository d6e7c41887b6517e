#pragma once
// The Q-network: Linear -> ReLU -> ... -> Linear, a real torch::nn::Module (saved with put_module, run on CUDA
// through libtorch). The seed's network is Mlp({9, 32, 32, 9}).
#include <torch/torch.h>

#include <vector>

namespace torchlab::rl {

class MlpImpl : public torch::nn::Module {
 public:
  // sizes = {inputs, hidden..., outputs}; layers are registered as fc1, fc2, ...
  explicit MlpImpl(std::vector<int64_t> sizes);
  torch::Tensor forward(torch::Tensor x);
  const std::vector<int64_t>& sizes() const { return sizes_; }
  const std::vector<torch::nn::Linear>& layers() const { return layers_; }

 private:
  std::vector<int64_t> sizes_;
  std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

}  // namespace torchlab::rl
