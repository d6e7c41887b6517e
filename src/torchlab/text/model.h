#pragma once
// The char-rnn model: a recurrent stack (LSTM or GRU) whose first layer reads one-hot characters, and a linear layer
// to the vocabulary. Parameters live in a torch::nn::LSTM/GRU ("rnn.weight_ih_l0", ...) and a Linear ("head"), so
// both execution paths below train and load the same checkpoints:
//  - fused (LSTM on CPU): the one-hot input as a row gather of W_ih^T + biases, fused_lstm.h's hand-written BPTT;
//  - torch: torch::nn::LSTM/GRU on one-hot input (cuDNN on CUDA), the reference the fused path is tested against.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "torchlab/text/model_options.h"

namespace torchlab::text {

// Recurrent state for stepping one character at a time: [layers, 1, H] each (c is undefined for GRU).
struct RnnState {
  torch::Tensor h, c;
};

class CharRnnImpl : public torch::nn::Module {
 public:
  explicit CharRnnImpl(ModelOptions options);

  // tokens [T, B] int64 → logits [T, B, V].
  torch::Tensor forward(const torch::Tensor& tokens);
  // windows [B, T + 1] int64 (inputs then targets shifted by one) → mean cross-entropy in nats per character.
  torch::Tensor loss(const torch::Tensor& windows);
  // Feeds one label and returns the next character's logits [V]; `state` starts undefined (zeros).
  torch::Tensor step(int64_t label, RnnState& state);

  bool fused_active() const;  // which path forward() takes now (depends on the device of the parameters)
  const ModelOptions& options() const { return options_; }

 private:
  torch::Tensor one_hot(const torch::Tensor& tokens) const;
  torch::Tensor forward_fused(const torch::Tensor& tokens);
  ModelOptions options_;
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(CharRnn);

}  // namespace torchlab::text
