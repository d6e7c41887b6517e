#include "torchlab/vision/batches.h"

#include <numeric>
#include <random>

#include "torchlab/core/error.h"

namespace torchlab::vision {

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::seed_seq seq{uint32_t(seed), uint32_t(seed >> 32), uint32_t(epoch), uint32_t(uint64_t(epoch) >> 32)};
  std::mt19937_64 engine(seq);
  // Own Fisher-Yates rather than std::shuffle, whose algorithm differs between standard libraries.
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(engine() % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

MnistBatches::MnistBatches(const MnistSplit& split, BatchOptions options) : options_(options) {
  if (options_.batch_size < 1)
    throw UserError("--batch-size " + std::to_string(options_.batch_size) + ": must be at least 1");
  images_ = split.images.to(options_.device);
  labels_ = split.labels.to(options_.device);
  const int64_t n = images_.size(0);
  total_batches_ = options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
  per_rank_ = total_batches_ / options_.world_size;
  if (options_.world_size == 1) per_rank_ = total_batches_;
  set_epoch(1);
}

void MnistBatches::set_epoch(int64_t epoch) {
  epoch_ = epoch;
  const int64_t n = images_.size(0);
  if (options_.shuffle) {
    auto order = epoch_order(n, options_.seed, epoch);
    order_ = torch::tensor(order, torch::kInt64).to(options_.device);
  } else {
    order_ = torch::arange(n, torch::TensorOptions().dtype(torch::kInt64).device(options_.device));
  }
}

train::Batch MnistBatches::batch(int64_t index) {
  TORCH_CHECK(index >= 0 && index < per_rank_, "batch index ", index, " out of range 0..", per_rank_ - 1);
  const int64_t global = index * options_.world_size + options_.rank;
  const int64_t begin = global * options_.batch_size;
  const int64_t end = std::min(begin + options_.batch_size, images_.size(0));
  const auto idx = order_.slice(0, begin, end);
  auto images = to_model_input(images_.index_select(0, idx));
  if (options_.flip) {
    std::seed_seq seq{uint32_t(options_.seed), uint32_t(options_.seed >> 32), uint32_t(epoch_), uint32_t(global),
                      0x666c6970u};
    std::mt19937_64 engine(seq);
    std::vector<uint8_t> coin(static_cast<size_t>(end - begin));
    for (auto& c : coin) c = engine() >> 63;
    const auto mirror = torch::tensor(coin, torch::kBool).to(options_.device).view({-1, 1, 1, 1});
    images = torch::where(mirror, images.flip({3}), images);
  }
  return {images, labels_.index_select(0, idx), idx};
}

}  // namespace torchlab::vision
