#include "torchlab/rl/environment.h"

namespace torchlab::rl {

std::vector<int> mask_to_actions(uint32_t mask) {
  std::vector<int> out;
  for (int a = 0; mask; ++a, mask >>= 1)
    if (mask & 1u) out.push_back(a);
  return out;
}

std::vector<int> Environment::legal_actions() const { return mask_to_actions(legal_mask()); }

std::vector<float> Environment::observation() const {
  std::vector<float> out(observation_size());
  observe(out.data());
  return out;
}

}  // namespace torchlab::rl
