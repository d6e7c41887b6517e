#pragma once
// A single LSTM layer for CPU training, with the hand-written backward (BPTT) of torch::nn::LSTM's math (gate order
// i, f, g, o; zero initial state). Speed comes from the shape of the work: the input projection of all time steps at
// once (a row gather for token input, one GEMM otherwise), one GEMM into preallocated storage per step, fused gate
// arithmetic, and the weight gradient as one GEMM over all time steps. Float and double; CPU tensors only.
#include <torch/types.h>

namespace torchlab::text {

// tokens: int64 [T, B]; table: [V, 4H] = W_ih^T + b_ih + b_hh (row v is the input projection of a one-hot v);
// w_hh: [4H, H]. Returns the hidden states [T, B, H]; gradients flow to table and w_hh.
// bf16: the recurrent GEMMs take bf16 operands (mixed precision, float in and out; for float tensors only).
torch::Tensor fused_lstm_tokens(const torch::Tensor& tokens, const torch::Tensor& table, const torch::Tensor& w_hh,
                                bool bf16 = false);

// gx: [T, B, 4H] input projections with both biases. Returns [T, B, H]; gradients flow to gx and w_hh.
torch::Tensor fused_lstm(const torch::Tensor& gx, const torch::Tensor& w_hh, bool bf16 = false);

}  // namespace torchlab::text
