#pragma once
// The toy data-parallel task the multi-process tests run: tests/train/toy.h's regression data with a dropout-free
// MLP, so one process on the union of the ranks' batches must give the same parameters.
#include <torch/torch.h>

#include "torchlab/train/learner.h"
#include "train/toy.h"

namespace dist_test {

inline std::shared_ptr<torch::nn::SequentialImpl> toy_model(uint64_t seed) {
  torch::manual_seed(seed);
  return std::make_shared<torch::nn::SequentialImpl>(torch::nn::Linear(4, 16), torch::nn::Tanh(),
                                                     torch::nn::Linear(16, 1));
}

inline torchlab::train::LearnerOptions toy_options(int64_t epochs) {
  torchlab::train::LearnerOptions o;
  o.epochs = epochs;
  o.quiet = true;
  o.write_report = false;
  o.log_every_steps = 3;
  return o;
}

// Batch i is the concatenation of the inner source's batches i*W .. i*W+W-1: what W ranks see together at step i.
class UnionSource : public torchlab::train::BatchSource {
 public:
  UnionSource(torchlab::train::BatchSource& inner, int world) : inner_(inner), world_(world) {}
  int64_t batches_per_epoch() const override { return inner_.batches_per_epoch() / world_; }
  void set_epoch(int64_t epoch) override { inner_.set_epoch(epoch); }
  torchlab::train::Batch batch(int64_t i) override {
    std::vector<torch::Tensor> xs, ys;
    for (int r = 0; r < world_; ++r) {
      auto b = inner_.batch(i * world_ + r);
      xs.push_back(b[0]);
      ys.push_back(b[1]);
    }
    return {torch::cat(xs), torch::cat(ys)};
  }

 private:
  torchlab::train::BatchSource& inner_;
  int world_;
};

}  // namespace dist_test
