#include "torchlab/train/fused_adam.h"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "torchlab/core/checkpoint.h"
#include "torchlab/core/compat.h"

using namespace torchlab::train;

namespace {

// Two identical parameter sets (one channels-last 4-d tensor, one matrix, one vector) with fixed gradients per step.
std::vector<torch::Tensor> make_params() {
  torch::manual_seed(11);
  return {torch::randn({4, 3, 5, 5}).contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_(),
          torch::randn({7, 9}).requires_grad_(), torch::randn({9}).requires_grad_()};
}

void set_grads(std::vector<torch::Tensor>& params, int step) {
  for (size_t i = 0; i < params.size(); ++i) {
    auto gen = at::detail::createCPUGenerator(1000 * step + i);
    auto g = at::randn(params[i].sizes(), gen);
    params[i].mutable_grad() = g.contiguous(params[i].suggest_memory_format());
  }
}

double max_rel_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, ((a[i] - b[i]).abs() / (b[i].abs() + 1e-3)).max().item<double>());
  return worst;
}

void run(torch::optim::Optimizer& opt, std::vector<torch::Tensor>& params, int from, int to) {
  for (int s = from; s < to; ++s) {
    set_grads(params, s);
    opt.step();
  }
}

}  // namespace

TEST(FusedAdam, MatchesLibtorchAdam) {
  for (const auto& options : {torch::optim::AdamOptions(1e-2), torch::optim::AdamOptions(3e-3).weight_decay(0.1),
                              torch::optim::AdamOptions(1e-2).amsgrad(true).betas({0.8, 0.99}).eps(1e-6)}) {
    auto mine = make_params();
    auto ref = make_params();
    FusedAdam fused(mine, options);
    torch::optim::Adam adam(ref, options);
    run(fused, mine, 0, 25);
    run(adam, ref, 0, 25);
    EXPECT_LT(max_rel_diff(mine, ref), 1e-6);
    EXPECT_GT((mine[1] - make_params()[1]).abs().max().item<double>(), 0.02);  // it did move
    EXPECT_TRUE(mine[0].is_contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

TEST(FusedAdam, StateRoundTripsThroughACheckpointEitherWay) {
  const auto options = torch::optim::AdamOptions(1e-2);
  auto a = make_params();
  FusedAdam first(a, options);
  run(first, a, 0, 5);
  torchlab::Checkpoint ckpt;
  torchlab::put_optimizer(ckpt, "opt", first);

  // Continue with libtorch's Adam from the fused state, and with a fresh FusedAdam from the same state.
  auto b = std::vector<torch::Tensor>{};
  for (auto& p : a) b.push_back(p.detach().clone().requires_grad_());
  auto c = std::vector<torch::Tensor>{};
  for (auto& p : a) c.push_back(p.detach().clone().contiguous(p.suggest_memory_format()).requires_grad_());
  torch::optim::Adam adam(b, options);
  torchlab::load_optimizer(ckpt, "opt", adam);
  FusedAdam again(c, options);
  torchlab::load_optimizer(ckpt, "opt", again);
  run(adam, b, 5, 12);
  run(again, c, 5, 12);
  run(first, a, 5, 12);
  EXPECT_LT(max_rel_diff(b, a), 1e-6);
  EXPECT_LT(max_rel_diff(c, a), 1e-6);
}

// The DQN's way in: gradients in buffers of the caller's own, bound once. Same bits as step() on the same
// gradients, and libtorch's Adam within rounding.
TEST(FusedAdam, BoundGradientsStepLikeTensorGradients) {
  const auto options = torch::optim::AdamOptions(3e-3).weight_decay(0.01);
  auto bound = std::vector<torch::Tensor>{torch::randn({7, 9}).requires_grad_(), torch::randn({9}).requires_grad_()};
  std::vector<torch::Tensor> viaGrad, ref;
  for (auto& p : bound) {
    viaGrad.push_back(p.detach().clone().requires_grad_());
    ref.push_back(p.detach().clone().requires_grad_());
  }
  std::vector<std::vector<float>> buffers;
  for (auto& p : bound) buffers.emplace_back(p.numel());
  FusedAdam a(bound, options), b(viaGrad, options);
  torch::optim::Adam c(ref, options);
  a.bind_gradients({buffers[0].data(), buffers[1].data()});
  for (int s = 0; s < 6; ++s) {
    set_grads(viaGrad, s);
    set_grads(ref, s);
    for (size_t i = 0; i < bound.size(); ++i)
      std::memcpy(buffers[i].data(), viaGrad[i].grad().data_ptr<float>(), buffers[i].size() * sizeof(float));
    a.step_bound();
    b.step();
    c.step();
  }
  for (size_t i = 0; i < bound.size(); ++i) EXPECT_TRUE(torch::equal(bound[i], viaGrad[i])) << i;
  EXPECT_LT(max_rel_diff(bound, ref), 1e-6);
  // The state is the optimizer's own: a checkpoint of it carries the bound steps.
  const auto& state = static_cast<torch::optim::AdamParamState&>(
      *a.state().at(torchlab::compat::optimizer_state_key(bound[0])));
  EXPECT_EQ(state.step(), 6);
}
