#include "torchlab/text/fused_lstm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "torchlab/core/error.h"
#include "torchlab/text/model.h"

using namespace torchlab::text;

namespace {

// Loss and parameter gradients of `model` on `windows`, by name.
std::map<std::string, torch::Tensor> grads_of(CharRnnImpl& model, const torch::Tensor& windows, double& loss) {
  model.zero_grad();
  auto l = model.loss(windows);
  l.backward();
  loss = l.item<double>();
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model.named_parameters()) out[p.key()] = p.value().grad().clone();
  return out;
}

void expect_same_model_math(ModelOptions o, int64_t T, int64_t B, double tol, torch::Dtype dtype = torch::kDouble) {
  torch::manual_seed(3);
  o.impl = "fused";
  CharRnn fused(o);
  o.impl = "torch";
  CharRnn reference(o);
  fused->to(dtype);
  reference->to(dtype);
  {
    torch::NoGradGuard g;
    auto src = fused->named_parameters();
    for (auto& p : reference->named_parameters()) p.value().copy_(src[p.key()]);
  }
  auto windows = torch::randint(o.vocab, {B, T + 1}, torch::kInt64);
  double lf = 0, lr = 0;
  auto gf = grads_of(*fused, windows, lf);
  auto gr = grads_of(*reference, windows, lr);
  EXPECT_NEAR(lf, lr, tol);
  ASSERT_EQ(gf.size(), gr.size());
  for (const auto& [name, g] : gr) {
    const double err = (gf[name] - g).abs().max().item<double>();
    EXPECT_LT(err, tol) << name;
    if (T > 1 || name != "rnn.weight_hh_l0") {  // one step from a zero state: W_hh gets no gradient
      EXPECT_GT(g.abs().max().item<double>(), 1e-4) << name << " has no gradient to compare";
    }
  }
}

}  // namespace

// The fused path (row gather of W_ih^T + b, hand-written BPTT) against torch::nn::LSTM fed one-hot × W_ih, on the
// same weights in float64: loss and every parameter's gradient.
TEST(FusedLstm, SameLossAndGradientsAsTorchLstmOnOneHot) {
  ModelOptions o;
  o.vocab = 11;
  o.hidden = 16;
  o.layers = 1;
  expect_same_model_math(o, 13, 5, 1e-9);
}

// float32 with H a multiple of 32: the recurrent products and the weight gradient run on the packed AVX-512 kernel
// (recurrent_gemm.h) where the CPU has it; 10 rows leave a partial 8-row tile.
TEST(FusedLstm, Float32PackedKernelPathSameAsTorchLstm) {
  ModelOptions o;
  o.vocab = 9;
  o.hidden = 32;
  o.layers = 2;
  expect_same_model_math(o, 7, 10, 2e-5, torch::kFloat32);
}

TEST(FusedLstm, TwoLayersSameAsTorchLstm) {
  ModelOptions o;
  o.vocab = 7;
  o.hidden = 12;
  o.layers = 2;
  expect_same_model_math(o, 9, 4, 1e-9);
}

TEST(FusedLstm, SingleStepAndEmptyGradient) {
  ModelOptions o;
  o.vocab = 5;
  o.hidden = 8;
  expect_same_model_math(o, 1, 3, 1e-9);
}

// Direct check of the layer's own gradients (input projections and W_hh) by autograd's finite differences.
TEST(FusedLstm, GradcheckOnProjectedInput) {
  torch::manual_seed(5);
  const int64_t T = 4, B = 2, H = 3;
  auto gx = torch::randn({T, B, 4 * H}, torch::kDouble).requires_grad_();
  auto w = (0.5 * torch::randn({4 * H, H}, torch::kDouble)).requires_grad_();
  auto out = fused_lstm(gx, w);
  auto probe = torch::randn({T, B, H}, torch::kDouble);
  auto grads = torch::autograd::grad({(out * probe).sum()}, {gx, w});
  const double eps = 1e-6;
  for (auto* t : {&gx, &w}) {
    auto flat = t->detach().view({-1});
    auto analytic = (t == &gx ? grads[0] : grads[1]).reshape({-1});
    for (int64_t i = 0; i < flat.numel(); i += 5) {
      const double orig = flat[i].item<double>();
      torch::NoGradGuard g;
      flat[i] = orig + eps;
      const double up = (fused_lstm(gx.detach(), w.detach()) * probe).sum().item<double>();
      flat[i] = orig - eps;
      const double down = (fused_lstm(gx.detach(), w.detach()) * probe).sum().item<double>();
      flat[i] = orig;
      EXPECT_NEAR(analytic[i].item<double>(), (up - down) / (2 * eps), 1e-7) << i;
    }
  }
}

// The embedding model against an explicit one-hot × W reference written here, float32, same weights.
TEST(FusedLstm, EmbeddingEqualsOneHotTimesW) {
  torch::manual_seed(9);
  ModelOptions o;
  o.vocab = 9;
  o.hidden = 10;
  CharRnn model(o);
  auto windows = torch::randint(o.vocab, {6, 8}, torch::kInt64);
  const double loss = model->loss(windows).item<double>();
  // Reference: x_t = one_hot, gates = x W_ih^T + b_ih + h W_hh^T + b_hh, PyTorch's i, f, g, o order.
  torch::NoGradGuard g;
  auto p = model->named_parameters();
  auto w_ih = p["rnn.weight_ih_l0"], w_hh = p["rnn.weight_hh_l0"], b = p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"];
  auto h = torch::zeros({6, 10}), c = torch::zeros({6, 10});
  double total = 0;
  for (int64_t t = 0; t < 7; ++t) {
    auto x = torch::one_hot(windows.select(1, t), 9).to(torch::kFloat);
    auto gates = torch::mm(x, w_ih.t()) + b + torch::mm(h, w_hh.t());
    auto ch = gates.chunk(4, 1);
    c = torch::sigmoid(ch[1]) * c + torch::sigmoid(ch[0]) * torch::tanh(ch[2]);
    h = torch::sigmoid(ch[3]) * torch::tanh(c);
    auto logits = torch::mm(h, p["head.weight"].t()) + p["head.bias"];
    total += torch::nn::functional::cross_entropy(logits, windows.select(1, t + 1)).item<double>();
  }
  EXPECT_NEAR(loss, total / 7, 1e-6);
}

TEST(FusedLstm, GruUsesTorchPath) {
  ModelOptions o;
  o.cell = "gru";
  o.vocab = 6;
  o.hidden = 4;
  CharRnn model(o);
  EXPECT_FALSE(model->fused_active());
  auto loss = model->loss(torch::randint(6, {2, 5}, torch::kInt64));
  EXPECT_NEAR(loss.item<double>(), std::log(6.0), 0.5);
}

// The float path, with its fast activations, against torch::nn::LSTM in float.
TEST(FusedLstm, FloatMatchesTorchLstm) {
  torch::manual_seed(4);
  ModelOptions o;
  o.vocab = 13;
  o.hidden = 24;
  o.impl = "fused";
  CharRnn fused(o);
  o.impl = "torch";
  CharRnn reference(o);
  {
    torch::NoGradGuard g;
    auto src = fused->named_parameters();
    for (auto& p : reference->named_parameters()) p.value().copy_(src[p.key()]);
  }
  auto windows = torch::randint(o.vocab, {7, 31}, torch::kInt64);
  double lf = 0, lr = 0;
  auto gf = grads_of(*fused, windows, lf);
  auto gr = grads_of(*reference, windows, lr);
  EXPECT_NEAR(lf, lr, 1e-5);
  for (const auto& [name, g] : gr) EXPECT_LT((gf[name] - g).abs().max().item<double>(), 1e-5) << name;
  // The pool hands buffers out again: a second identical step gives identical results.
  double lf2 = 0;
  auto gf2 = grads_of(*fused, windows, lf2);
  EXPECT_EQ(lf, lf2);
  for (const auto& [name, g] : gf) EXPECT_TRUE(torch::equal(g, gf2[name])) << name;
}

// Mixed precision (--precision bf16): the same model in float32 with its recurrent GEMMs on bf16 operands stays within
// bf16's rounding (8 significant bits) of the float64 reference: loss to 1e-2 relative, each gradient to 2 % of its
// norm; and on two layers too.
TEST(FusedLstm, Bf16RecurrenceStaysWithinBf16RoundingOfTheReference) {
  for (int64_t layers : {1, 2}) {
    torch::manual_seed(5);
    ModelOptions o;
    o.vocab = 23;
    o.hidden = 64;
    o.layers = layers;
    o.impl = "fused";
    o.precision = "bf16";
    CharRnn mixed(o);
    o.precision = "fp32";
    CharRnn single(o);
    o.impl = "torch";
    CharRnn reference(o);
    reference->to(torch::kDouble);
    {
      torch::NoGradGuard g;
      auto src = mixed->named_parameters();
      for (auto& p : reference->named_parameters()) p.value().copy_(src[p.key()]);
      for (auto& p : single->named_parameters()) p.value().copy_(src[p.key()]);
    }
    auto windows = torch::randint(o.vocab, {16, 41}, torch::kInt64);
    double lm = 0, ls = 0, lr = 0;
    auto gm = grads_of(*mixed, windows, lm);
    auto gs = grads_of(*single, windows, ls);
    auto gr = grads_of(*reference, windows, lr);
    EXPECT_NEAR(lm, lr, 1e-2 * lr) << layers;
    EXPECT_NE(lm, ls) << "bf16 mode gave float32's exact loss: is it on?";
    for (const auto& [name, g] : gr) {
      const double rel = ((gm[name].to(torch::kDouble) - g).norm() / g.norm()).item<double>();
      EXPECT_LT(rel, 2e-2) << name << " layers " << layers;
    }
    const double w_hh_diff = (gm["rnn.weight_hh_l0"] - gs["rnn.weight_hh_l0"]).abs().max().item<double>();
    EXPECT_GT(w_hh_diff, 0) << "the recurrent weight's gradient is float32's exactly: is bf16 on?";
  }
}

TEST(FusedLstm, Bf16IsRefusedWhereItDoesNotRun) {
  ModelOptions o;
  o.vocab = 5;
  o.precision = "bf16";
  o.cell = "gru";
  EXPECT_THROW(validate(o), torchlab::UserError);
  o.cell = "lstm";
  o.impl = "torch";
  EXPECT_THROW(validate(o), torchlab::UserError);
  o.impl = "auto";
  o.precision = "half";
  EXPECT_THROW(validate(o), torchlab::UserError);
}
