#pragma once
// Rank r of W reads batches r, r + W, r + 2W, ... of the wrapped source's epoch: the ranks share one deterministic
// order (same seed, same epoch), take disjoint batches and the same count (the last batches_per_epoch % W are left
// out, so no rank waits for a step the others do not take).
#include "torchlab/train/learner.h"

namespace torchlab::dist {

class ShardedSource : public train::BatchSource {
 public:
  ShardedSource(train::BatchSource& inner, int rank, int world_size);

  int64_t batches_per_epoch() const override { return inner_.batches_per_epoch() / world_size_; }
  void set_epoch(int64_t epoch) override { inner_.set_epoch(epoch); }
  train::Batch batch(int64_t index) override { return inner_.batch(global_index(index)); }

  // The index in the wrapped source of this rank's batch `index`.
  int64_t global_index(int64_t index) const { return index * world_size_ + rank_; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

 private:
  train::BatchSource& inner_;
  int rank_;
  int world_size_;
};

}  // namespace torchlab::dist
