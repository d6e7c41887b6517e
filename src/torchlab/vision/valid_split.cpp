#include "torchlab/vision/valid_split.h"

#include <torch/torch.h>

#include <cstdio>
#include <vector>

#include "torchlab/core/error.h"

namespace torchlab::vision {
namespace {

// splitmix64: a permutation written out here is the same on every platform and libtorch version (std::shuffle and
// torch::randperm are not).
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void fnv1a(uint64_t& h, int64_t value) {
  for (int i = 0; i < 8; ++i) {
    h ^= static_cast<uint64_t>(value >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
}

MnistSplit take(const MnistSplit& split, const torch::Tensor& index) {
  return {split.images.index_select(0, index), split.labels.index_select(0, index)};
}

}  // namespace

HeldOut hold_out(const MnistSplit& train, int64_t valid_size) {
  const int64_t n = train.size();
  if (valid_size < 1 || valid_size >= n)
    throw UserError("--valid-size " + std::to_string(valid_size) +
                    ": the validation split needs at least 1 image and " + "must leave some for training; there are " +
                    std::to_string(n) + " training images (after --train-limit)");
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  uint64_t state = kValidSplitSeed;
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[splitmix64(state) % static_cast<uint64_t>(i + 1)]);
  std::vector<char> held(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < valid_size; ++i) held[order[i]] = 1;
  std::vector<int64_t> fit, valid;
  for (int64_t i = 0; i < n; ++i) (held[i] ? valid : fit).push_back(i);

  const auto labels = train.labels.to(torch::kCPU).contiguous();
  const int64_t* label = labels.data_ptr<int64_t>();
  uint64_t h = 0xcbf29ce484222325ULL;
  fnv1a(h, n);
  for (int64_t i : valid) {
    fnv1a(h, i);
    fnv1a(h, label[i]);
  }
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));

  HeldOut out;
  out.fit = take(train, torch::tensor(fit, torch::kInt64).to(train.labels.device()));
  out.valid = take(train, torch::tensor(valid, torch::kInt64).to(train.labels.device()));
  out.fingerprint = hex;
  return out;
}

}  // namespace torchlab::vision
