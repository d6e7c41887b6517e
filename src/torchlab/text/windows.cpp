#include "torchlab/text/windows.h"

#include <algorithm>
#include <random>

namespace torchlab::text {

WindowSource::WindowSource(torch::Tensor labels, int64_t seq_len, int64_t batch_size, uint64_t seed, bool shuffle)
    : labels_(labels.to(torch::kInt64).contiguous()),
      seq_len_(seq_len),
      batch_size_(batch_size),
      seed_(seed),
      shuffle_(shuffle) {
  TORCH_CHECK(seq_len > 0 && batch_size > 0, "seq_len and batch_size must be positive");
  TORCH_CHECK(labels_.numel() >= seq_len + 1, "text shorter than one window");
  // A fixed count for every epoch, leaving a slack of at least seq_len - 1 labels for the offset to move in, so
  // window boundaries fall at every phase over the epochs.
  n_windows_ = std::max<int64_t>(1, (labels_.numel() - seq_len) / seq_len);
  set_epoch(1);
}

int64_t WindowSource::batches_per_epoch() const { return (n_windows_ + batch_size_ - 1) / batch_size_; }

void WindowSource::set_epoch(int64_t epoch) {
  order_.resize(n_windows_);
  offset_ = 0;
  std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch));
  if (shuffle_) {
    const int64_t slack = labels_.numel() - 1 - n_windows_ * seq_len_;
    offset_ = std::uniform_int_distribution<int64_t>(0, slack)(rng);
  }
  for (int64_t i = 0; i < n_windows_; ++i) order_[i] = offset_ + i * seq_len_;
  // Fisher-Yates with our own draws: std::shuffle's algorithm differs between standard libraries.
  if (shuffle_)
    for (int64_t i = n_windows_ - 1; i > 0; --i)
      std::swap(order_[i], order_[std::uniform_int_distribution<int64_t>(0, i)(rng)]);
}

train::Batch WindowSource::batch(int64_t index) {
  TORCH_CHECK(index >= 0 && index < batches_per_epoch(), "batch index out of range");
  const int64_t first = index * batch_size_;
  const int64_t b = std::min(batch_size_, n_windows_ - first);
  const int64_t w = seq_len_ + 1;
  auto out = torch::empty({b, w}, torch::kInt64);
  const int64_t* src = labels_.data_ptr<int64_t>();
  int64_t* dst = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) std::copy(src + order_[first + i], src + order_[first + i] + w, dst + i * w);
  return {out};
}

}  // namespace torchlab::text
