#pragma once
// The validation split: a fixed set of training images held out for model selection and early stopping, so the test
// set is used once, at the end. The images are drawn by a permutation with a fixed seed (not the run's --seed): every
// run on the same data holds out the same images, and a resumed run can check it still does.
#include <cstdint>
#include <string>

#include "torchlab/vision/mnist.h"

namespace torchlab::vision {

constexpr uint64_t kValidSplitSeed = 20260560;  // fixed: the split does not follow --seed

struct HeldOut {
  MnistSplit fit;           // the training images left, in file order
  MnistSplit valid;         // the valid_size held-out images, in file order
  std::string fingerprint;  // FNV-1a of the held-out positions and labels (config.json's valid_split)
};

// UserError when valid_size is not in [1, train.size() - 1].
HeldOut hold_out(const MnistSplit& train, int64_t valid_size);

}  // namespace torchlab::vision
