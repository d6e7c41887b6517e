#pragma once
// torch::optim::Adam with the update for each float CPU parameter done in one pass over memory (libtorch's step
// makes seven passes and two temporaries). Same options, same state objects, so checkpoints written by either load
// into the other; other parameters (CUDA, double) take libtorch's own path.
#include <torch/torch.h>

namespace torchlab::vision {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace torchlab::vision
