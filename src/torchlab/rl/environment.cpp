#include "torchlab/rl/environment.h"

#include <torch/torch.h>

namespace torchlab::rl {

std::vector<int> mask_to_actions(uint32_t mask) {
  std::vector<int> out;
  for (int a = 0; mask; ++a, mask >>= 1)
    if (mask & 1u) out.push_back(a);
  return out;
}

std::vector<int> Environment::legal_actions() const { return mask_to_actions(legal_mask()); }

torch::Tensor Environment::observation() const {
  auto t = torch::empty({observation_size()}, torch::kFloat32);
  observe(t.data_ptr<float>());
  return t;
}

}  // namespace torchlab::rl
