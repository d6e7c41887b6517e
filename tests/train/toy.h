#pragma once
// A small regression task for Learner tests: shuffled batches whose order depends only on (seed, epoch), and an MLP
// with dropout so torch's RNG matters for exact resume.
#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "torchlab/train/learner.h"

namespace toy {

class Source : public torchlab::train::BatchSource {
 public:
  Source(int64_t n, int64_t batch, uint64_t seed) : batch_(batch), seed_(seed), order_(n) {
    auto gen = at::detail::createCPUGenerator(seed);
    x_ = at::randn({n, 4}, gen);
    y_ = x_.matmul(torch::tensor({1.0f, -2.0f, 0.5f, 3.0f})).unsqueeze(1) + 0.1 * at::randn({n, 1}, gen);
    std::iota(order_.begin(), order_.end(), 0);
  }
  int64_t batches_per_epoch() const override { return static_cast<int64_t>(order_.size()) / batch_; }
  void set_epoch(int64_t epoch) override {
    std::iota(order_.begin(), order_.end(), 0);
    std::mt19937_64 rng(seed_ * 1000003 + epoch);
    std::shuffle(order_.begin(), order_.end(), rng);
  }
  torchlab::train::Batch batch(int64_t i) override {
    auto idx = torch::from_blob(order_.data() + i * batch_, {batch_}, torch::kInt64).clone();
    return {x_.index_select(0, idx), y_.index_select(0, idx)};
  }

 private:
  int64_t batch_;
  uint64_t seed_;
  std::vector<int64_t> order_;
  torch::Tensor x_, y_;
};

inline std::shared_ptr<torch::nn::SequentialImpl> model() {
  return std::make_shared<torch::nn::SequentialImpl>(torch::nn::Linear(4, 16), torch::nn::ReLU(),
                                                      torch::nn::Dropout(0.2), torch::nn::Linear(16, 1));
}

inline void wire(torchlab::train::Learner& learner, std::shared_ptr<torch::nn::SequentialImpl> net) {
  learner.train_step = [net](const torchlab::train::Batch& b) {
    torchlab::train::StepResult r;
    r.loss = torch::mse_loss(net->forward(b[0]), b[1]);
    r.items = b[0].size(0);
    return r;
  };
  learner.valid_step = learner.train_step;
  learner.checkpoint_kind = "toy";
}

}  // namespace toy
