#pragma once
// Batches of text windows for the Learner. An epoch is one pass over the text in non-overlapping windows of
// seq_len + 1 labels (each window's last label is the next one's first, so every label after the offset is a target
// exactly once), starting at an offset drawn per epoch, in an order shuffled per epoch. Order and offset are a pure
// function of (seed, epoch), so a run resumes mid-epoch exactly.
#include <cstdint>
#include <vector>

#include "torchlab/train/learner.h"

namespace torchlab::text {

class WindowSource : public train::BatchSource {
 public:
  // `labels`: int64 [n]. shuffle = false gives the validation order: offset 0, windows in text order.
  WindowSource(torch::Tensor labels, int64_t seq_len, int64_t batch_size, uint64_t seed, bool shuffle);

  int64_t batches_per_epoch() const override;
  void set_epoch(int64_t epoch) override;
  // {windows [b, seq_len + 1] int64}; b = batch_size except for a smaller last batch.
  train::Batch batch(int64_t index) override;

  int64_t windows() const { return n_windows_; }
  int64_t offset() const { return offset_; }
  const std::vector<int64_t>& order() const { return order_; }  // window starts of this epoch, in batch order

 private:
  torch::Tensor labels_;
  int64_t seq_len_, batch_size_;
  uint64_t seed_;
  bool shuffle_;
  int64_t n_windows_;
  int64_t offset_ = 0;
  std::vector<int64_t> order_;
};

}  // namespace torchlab::text
