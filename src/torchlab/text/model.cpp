#include "torchlab/text/model.h"

#include "torchlab/core/error.h"
#include "torchlab/text/fused_lstm.h"

namespace torchlab::text {

CharRnnImpl::CharRnnImpl(ModelOptions options) : options_(std::move(options)) {
  validate(options_);
  // torch::nn's inter-layer dropout sits where the fused path puts it: on the outputs of all layers but the last.
  if (options_.cell == "lstm") {
    lstm_ = register_module("rnn", torch::nn::LSTM(torch::nn::LSTMOptions(options_.vocab, options_.hidden)
                                                       .num_layers(options_.layers)
                                                       .dropout(options_.layers > 1 ? options_.dropout : 0.0)));
  } else {
    gru_ = register_module("rnn", torch::nn::GRU(torch::nn::GRUOptions(options_.vocab, options_.hidden)
                                                     .num_layers(options_.layers)
                                                     .dropout(options_.layers > 1 ? options_.dropout : 0.0)));
  }
  head_ = register_module("head", torch::nn::Linear(options_.hidden, options_.vocab));
}

bool CharRnnImpl::fused_active() const {
  if (options_.cell != "lstm" || options_.impl == "torch") return false;
  const bool cpu = head_->weight.device().is_cpu();
  if (!cpu && options_.impl == "fused")
    throw UserError("--impl fused runs on CPU only; use --impl auto or torch on " + head_->weight.device().str());
  if (!cpu && options_.precision == "bf16")
    throw UserError("--precision bf16 is the fused CPU LSTM's; on " + head_->weight.device().str() +
                    " use --precision fp32 (cuDNN already runs its GEMMs in TF32)");
  return cpu;
}

torch::Tensor CharRnnImpl::one_hot(const torch::Tensor& tokens) const {
  return torch::one_hot(tokens, options_.vocab).to(head_->weight.scalar_type());
}

torch::Tensor CharRnnImpl::forward_fused(const torch::Tensor& tokens) {
  auto params = lstm_->named_parameters(false);
  const bool bf16 = options_.precision == "bf16" && head_->weight.scalar_type() == torch::kFloat32;
  torch::Tensor x;
  for (int64_t l = 0; l < options_.layers; ++l) {
    const auto s = std::to_string(l);
    const auto& w_ih = params["weight_ih_l" + s];
    const auto& w_hh = params["weight_hh_l" + s];
    const auto bias = params["bias_ih_l" + s] + params["bias_hh_l" + s];
    if (l == 0) {
      // one_hot(x) W_ih^T + b = row x of (W_ih^T + b): a gather instead of a GEMM with V - 1 zeros per row.
      x = fused_lstm_tokens(tokens, w_ih.t() + bias, w_hh, bf16);
    } else {
      if (options_.dropout > 0) x = torch::dropout(x, options_.dropout, is_training());
      const int64_t T = x.size(0), B = x.size(1);
      auto gx = torch::addmm(bias, x.reshape({T * B, -1}), w_ih.t()).view({T, B, -1});
      x = fused_lstm(gx, w_hh, bf16);
    }
  }
  return x;
}

torch::Tensor CharRnnImpl::forward(const torch::Tensor& tokens) {
  torch::Tensor x;
  if (fused_active()) {
    x = forward_fused(tokens);
  } else if (lstm_) {
    x = std::get<0>(lstm_->forward(one_hot(tokens)));
  } else {
    x = std::get<0>(gru_->forward(one_hot(tokens)));
  }
  if (options_.dropout > 0) x = torch::dropout(x, options_.dropout, is_training());
  if (options_.precision == "bf16" && fused_active() && x.scalar_type() == torch::kFloat32) {
    // Mixed precision as autocast does it: the output layer's GEMM on bf16 operands, float logits for the loss.
    const auto bf = torch::kBFloat16;
    return torch::linear(x.to(bf), head_->weight.to(bf), head_->bias.to(bf)).to(torch::kFloat32);
  }
  return head_->forward(x);
}

torch::Tensor CharRnnImpl::loss(const torch::Tensor& windows) {
  const int64_t T = windows.size(1) - 1;
  auto tokens = windows.narrow(1, 0, T).t();
  auto targets = windows.narrow(1, 1, T).t().reshape({-1});
  auto logits = forward(tokens);
  return torch::nn::functional::cross_entropy(logits.reshape({-1, options_.vocab}), targets);
}

torch::Tensor CharRnnImpl::step(int64_t label, RnnState& state) {
  torch::NoGradGuard no_grad;
  const auto opts = head_->weight.options();
  const int64_t L = options_.layers, H = options_.hidden;
  if (!state.h.defined()) state.h = torch::zeros({L, 1, H}, opts);
  auto x = torch::zeros({1, 1, options_.vocab}, opts);
  x[0][0][label] = 1;
  torch::Tensor out;
  if (options_.cell == "lstm") {
    if (!state.c.defined()) state.c = torch::zeros({L, 1, H}, opts);
    auto [y, hc] = lstm_->forward(x, std::make_tuple(state.h, state.c));
    state.h = std::get<0>(hc);
    state.c = std::get<1>(hc);
    out = y;
  } else {
    auto [y, h] = gru_->forward(x, state.h);
    state.h = h;
    out = y;
  }
  return head_->forward(out).view({options_.vocab});
}

}  // namespace torchlab::text
