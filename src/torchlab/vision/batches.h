#pragma once
// Mini-batches of an MNIST split for the Learner: {images float [B, 1, 28, 28] in [0, 1], labels int64 [B],
// positions in the split int64 [B]}.
#include <torch/torch.h>

#include "torchlab/train/learner.h"
#include "torchlab/vision/mnist.h"

namespace torchlab::vision {

struct BatchOptions {
  int64_t batch_size = 256;
  bool shuffle = true;  // a new order each epoch, a pure function of (seed, epoch)
  uint64_t seed = 42;
  bool drop_last = false;  // training drops the ragged last batch so every step sees batch_size images
  bool flip = false;       // mirror each image left-right with probability 1/2 (augmentation; a pure function of
                           // (seed, epoch, batch), like the order)
  int rank = 0;            // data-parallel share: batches rank, rank + world, ...
  int world_size = 1;
  torch::Device device = torch::kCPU;  // where batches are made (the split is copied there once)
};

class MnistBatches : public train::BatchSource {
 public:
  MnistBatches(const MnistSplit& split, BatchOptions options);
  int64_t batches_per_epoch() const override { return per_rank_; }
  void set_epoch(int64_t epoch) override;
  train::Batch batch(int64_t index) override;
  int64_t size() const { return images_.size(0); }
  const torch::Tensor& order() const { return order_; }  // this epoch's item order (int64, on the device)

 private:
  torch::Tensor images_;  // uint8 [N, 28, 28] on the device
  torch::Tensor labels_;  // int64 [N]
  BatchOptions options_;
  int64_t total_batches_ = 0;
  int64_t per_rank_ = 0;
  int64_t epoch_ = 1;
  torch::Tensor order_;
};

// The permutation of 0..n-1 for an epoch: Fisher-Yates driven by a 64-bit engine seeded from (seed, epoch).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch);

}  // namespace torchlab::vision
