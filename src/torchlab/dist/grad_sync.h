#pragma once
// Gradient averaging for data-parallel training: the gradients are copied into a few flat buckets (about 25 MB each,
// grouped by dtype and device), each bucket is all-reduced (all of them in flight at once), divided by the world size
// and copied back. A parameter without a gradient on this rank counts as zeros, so every rank sends the same layout.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace torchlab::dist {

class Context;

class GradientSync {
 public:
  static constexpr int64_t kDefaultBucketBytes = 25 << 20;

  GradientSync(Context& context, std::vector<at::Tensor> params, int64_t bucket_bytes = kDefaultBucketBytes);

  // Averages the gradients across ranks. `flag` (0 or 1) rides along in the first bucket; returns its sum over ranks
  // (how many ranks raised it), so a stop request costs no extra round trip.
  int sync(const std::string& what, int flag = 0);

  int64_t bytes_per_step() const;  // bytes each rank all-reduces per sync (gradients + the flag)
  size_t buckets() const { return buckets_.size(); }

 private:
  struct Slot {
    at::Tensor param;
    int64_t offset;
    int64_t numel;
  };
  struct Bucket {
    at::Tensor flat;
    std::vector<Slot> slots;
  };
  Context& context_;
  std::vector<Bucket> buckets_;
};

}  // namespace torchlab::dist
