#include "torchlab/rl/fused_mlp.h"

#include <gtest/gtest.h>

#include "torchlab/core/checkpoint.h"
#include "torchlab/core/compat.h"
#include "torchlab/core/error.h"
#include "torchlab/rl/dqn_agent.h"
#include "torchlab/rl/mlp.h"
#include "torchlab/train/ema.h"
#include "torchlab/train/fused_adam.h"

using namespace torchlab::rl;

namespace {

Mlp clone_of(const Mlp& m) {
  Mlp c(m->sizes());
  torch::NoGradGuard g;
  auto a = c->parameters();
  auto b = m->parameters();
  for (size_t k = 0; k < a.size(); ++k) a[k].copy_(b[k]);
  return c;
}

double max_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double d = 0;
  for (size_t k = 0; k < a.size(); ++k) d = std::max(d, (a[k] - b[k]).abs().max().item<double>());
  return d;
}

}  // namespace

TEST(FusedMlp, ForwardMatchesLibtorch) {
  torch::manual_seed(0);
  for (const auto& sizes : std::vector<std::vector<int64_t>>{{9, 32, 32, 9}, {4, 128, 128, 2}, {9, 7, 5, 3}}) {
    Mlp net(sizes);
    FusedMlp fused(*net);
    for (int n : {1, 2, 3, 17, 64, 100}) {
      auto x = torch::randn({n, sizes.front()});
      auto want = net->forward(x).detach();
      auto got = torch::empty_like(want);
      fused.forward(x.data_ptr<float>(), n, got.data_ptr<float>());
      EXPECT_LT((got - want).abs().max().item<double>(), 1e-5) << sizes[1] << " n=" << n;
    }
  }
}

TEST(FusedMlp, GradientsMatchAutograd) {
  torch::manual_seed(1);
  Mlp net(std::vector<int64_t>{9, 32, 32, 9});
  FusedMlp fused(*net);
  const int n = 37;
  auto x = torch::randn({n, 9});
  auto dq = torch::randn({n, 9});
  // Autograd of sum(out * dq) gives dq as the output gradient.
  auto out = net->forward(x);
  (out * dq).sum().backward();
  fused.train_forward(x.data_ptr<float>(), n);
  float* g = fused.output_grad();
  auto dqa = dq.accessor<float, 2>();
  for (int c = 0; c < n; ++c)
    for (int k = 0; k < 9; ++k) g[k * fused.columns() + c] = dqa[c][k];
  fused.backward();
  auto params = net->parameters();
  ASSERT_EQ(params.size(), fused.params().size());
  for (size_t k = 0; k < params.size(); ++k) {
    auto got = torch::from_blob(fused.params()[k].grad, params[k].sizes());
    EXPECT_LT((got - params[k].grad()).abs().max().item<double>(), 1e-5) << k;
  }
}

// The whole DQN update (Q(s,a) gather, loss, backward, Adam, EMA target) on the fused path against libtorch autograd
// with torch::optim::Adam, for both losses, over several steps: parameters agree to 1e-6.
TEST(FusedMlp, DqnUpdateMatchesLibtorchAndAdam) {
  for (const std::string loss : {"mse", "huber"}) {
    DqnConfig c = DqnConfig::defaults("tictactoe", "seed");
    c.loss = loss;
    c.lr = 1e-3;
    c.tau = 0.1;
    c.fused = "on";
    torch::manual_seed(2);
    DqnAgent fused(c);
    c.fused = "off";
    DqnAgent plain(c);
    {
      torch::NoGradGuard g;
      auto a = plain.online()->parameters();
      auto b = fused.online()->parameters();
      auto at = plain.target()->parameters();
      auto bt = fused.target()->parameters();
      for (size_t k = 0; k < a.size(); ++k) a[k].copy_(b[k]), at[k].copy_(bt[k]);
    }
    ASSERT_TRUE(fused.fused());
    ASSERT_FALSE(plain.fused());
    const int n = 64;
    for (int step = 0; step < 5; ++step) {
      auto x = torch::randint(-1, 2, {n, 9}).to(torch::kFloat32);
      auto actions = torch::randint(0, 9, {n}, torch::kInt32);
      auto y = torch::randn({n}) * 1.5;
      const double lf = fused.learn(x.data_ptr<float>(), actions.data_ptr<int>(), y.data_ptr<float>(), n);
      const double lp = plain.learn(x.data_ptr<float>(), actions.data_ptr<int>(), y.data_ptr<float>(), n);
      EXPECT_NEAR(lf, lp, 1e-6) << loss << " step " << step;
      EXPECT_LT(max_diff(fused.online()->parameters(), plain.online()->parameters()), 1e-6) << loss << step;
      EXPECT_LT(max_diff(fused.target()->parameters(), plain.target()->parameters()), 1e-6) << loss << step;
    }
    // The moments live in the optimizer itself: same step counts and exp_avg as libtorch's own.
    auto& sf = fused.optimizer()->state();
    auto& sp = plain.optimizer()->state();
    ASSERT_EQ(sf.size(), sp.size());
    auto pf = fused.online()->parameters();
    auto pp = plain.online()->parameters();
    for (size_t k = 0; k < pf.size(); ++k) {
      auto& a = static_cast<torch::optim::AdamParamState&>(*sf.at(torchlab::compat::optimizer_state_key(pf[k])));
      auto& b = static_cast<torch::optim::AdamParamState&>(*sp.at(torchlab::compat::optimizer_state_key(pp[k])));
      EXPECT_EQ(a.step(), 5);
      EXPECT_EQ(b.step(), 5);
      EXPECT_LT((a.exp_avg() - b.exp_avg()).abs().max().item<double>(), 1e-7);
      EXPECT_LT((a.exp_avg_sq() - b.exp_avg_sq()).abs().max().item<double>(), 1e-8);
    }
  }
}

TEST(FusedMlp, AdamWithWeightDecayMatchesTorch) {
  torch::manual_seed(3);
  Mlp a(std::vector<int64_t>{4, 16, 2});
  Mlp b = clone_of(a);
  auto opt_a = torch::optim::Adam(a->parameters(), torch::optim::AdamOptions(0.01).weight_decay(0.1));
  auto opt_b = torchlab::train::FusedAdam(b->parameters(), torch::optim::AdamOptions(0.01).weight_decay(0.1));
  FusedMlp fb(*b);
  std::vector<float*> grads;
  for (auto& p : fb.params()) grads.push_back(p.grad);
  opt_b.bind_gradients(grads);
  for (int step = 0; step < 4; ++step) {
    auto x = torch::randn({20, 4});
    auto dq = torch::randn({20, 2});
    opt_a.zero_grad();
    (a->forward(x) * dq).sum().backward();
    opt_a.step();
    fb.train_forward(x.data_ptr<float>(), 20);
    for (int c = 0; c < 20; ++c)
      for (int k = 0; k < 2; ++k) fb.output_grad()[k * fb.columns() + c] = dq[c][k].item<float>();
    fb.backward();
    opt_b.step_bound();
    EXPECT_LT(max_diff(a->parameters(), b->parameters()), 1e-6) << step;
  }
}

TEST(FusedMlp, EmaMatchesTheFormulaAndTrainEma) {
  Mlp online(std::vector<int64_t>{2, 3, 1}), target(std::vector<int64_t>{2, 3, 1});
  {
    torch::NoGradGuard g;
    for (auto& p : online->parameters()) p.fill_(3.0f);
    for (auto& p : target->parameters()) p.fill_(1.0f);
  }
  FusedMlp fo(*online), ft(*target);
  fused_ema(ft, fo, 0.25f);  // 0.75 * 1 + 0.25 * 3
  for (auto& p : target->parameters()) EXPECT_FLOAT_EQ(p.min().item<float>(), 1.5f);
  fused_ema(ft, fo, 0.75f);  // 0.25 * 1.5 + 0.75 * 3
  for (auto& p : target->parameters()) EXPECT_FLOAT_EQ(p.max().item<float>(), 2.625f);
  fused_copy(ft, fo);
  for (auto& p : target->parameters()) EXPECT_FLOAT_EQ(p.max().item<float>(), 3.0f);
  // Same numbers as the training core's ema_update on random values.
  torch::manual_seed(4);
  Mlp a(std::vector<int64_t>{9, 8, 9}), b(std::vector<int64_t>{9, 8, 9}), a2(std::vector<int64_t>{9, 8, 9});
  {
    torch::NoGradGuard g;
    auto pa = a->parameters(), pa2 = a2->parameters();
    for (size_t k = 0; k < pa.size(); ++k) pa2[k].copy_(pa[k]);
  }
  FusedMlp fa(*a), fb(*b);
  fused_ema(fa, fb, 0.01f);
  torchlab::train::ema_update(*a2, *b, 0.01);
  EXPECT_LT(max_diff(a->parameters(), a2->parameters()), 1e-7);
}

TEST(FusedMlp, RefusesNonCpuOrNonFloat) {
  Mlp net(std::vector<int64_t>{2, 2});
  net->to(torch::kFloat64);
  EXPECT_THROW(FusedMlp{*net}, torchlab::UserError);
}
