#pragma once
// One time step of a stacked LSTM or GRU whose first layer reads a token (a one-hot input), then the linear output
// layer: the char-rnn's sampling step, for native sampling and the browser build. Weights come in torch::nn's layout
// (gate rows i, f, g, o for the LSTM and r, z, n for the GRU) and equations match torch::nn::LSTM/GRU:
//   LSTM  a = (W_ih x + b_ih) + (W_hh h + b_hh);  i, f, o = sigmoid(a_i, a_f, a_o);  g = tanh(a_g)
//         c' = f * c + i * g;  h' = o * tanh(c')
//   GRU   r = sigmoid((W_ir x + b_ir) + (W_hr h + b_hr));  z likewise
//         n = tanh((W_in x + b_in) + r * (W_hn h + b_hn));  h' = n + z * (h - n)
//   logits = W_head h'_last + b_head
// Every product W v is matvec.h's dot (a fixed summation order); for the one-hot first layer W_ih x is the column
// W_ih[:, token], exactly. Activations are vec_math.h's. Each float operation above is rounded separately in the
// order written, so every build computes the same bits; rnn_step_reference is this spec as plain loops.
#include <cstdint>
#include <vector>

#include "torchlab/kernels/matvec.h"

namespace torchlab::kernels {

enum class RnnCell { Lstm, Gru };

// Borrowed arrays in torch's layout: w_ih [G H, in] (in = vocab for layer 0, else hidden), w_hh [G H, H], biases
// [G H], G = 4 (LSTM) or 3 (GRU); head_w [vocab, H], head_b [vocab].
struct RnnLayerWeights {
  const float *w_ih, *w_hh, *b_ih, *b_hh;
};
struct RnnWeights {
  RnnCell cell = RnnCell::Lstm;
  int64_t vocab = 0, hidden = 0;
  std::vector<RnnLayerWeights> layers;
  const float *head_w = nullptr, *head_b = nullptr;
};

// Floats of recurrent state per sequence: per layer h [H], then c [H] for the LSTM. Zeros are the initial state.
int64_t rnn_state_floats(const RnnWeights& w);

// The fast step: the weights packed once (copied: the arrays may go away), one thread, and no allocation per step
// (its scratch grows to the largest batch seen).
class RnnStepper {
 public:
  explicit RnnStepper(const RnnWeights& w);

  RnnCell cell() const { return cell_; }
  int64_t vocab() const { return vocab_; }
  int64_t hidden() const { return hidden_; }
  int64_t layers() const { return static_cast<int64_t>(layers_.size()); }
  int64_t state_floats() const;

  // Feeds tokens[b] (in [0, vocab)) to sequence b < batch: state is caller-owned, [batch][state_floats()], updated in
  // place; logits [batch][vocab] receives the next token's logits, or is null to skip the output layer (a prime).
  void step(const int32_t* tokens, int64_t batch, float* state, float* logits);

 private:
  struct Layer {
    PackedRows w_ih, w_hh;     // w_ih unused for layer 0
    std::vector<float> table;  // layer 0: [vocab][G H], W_ih[:, v] + b_ih
    std::vector<float> b_ih, b_hh;
  };
  RnnCell cell_;
  int64_t vocab_, hidden_, gates_;
  std::vector<Layer> layers_;
  PackedRows head_;
  std::vector<float> head_b_;
  std::vector<float> gx_, gh_;  // [batch][G H] scratch
};

// The spec as plain loops over the unpacked weights (same arguments as RnnStepper::step).
void rnn_step_reference(const RnnWeights& w, const int32_t* tokens, int64_t batch, float* state, float* logits);

}  // namespace torchlab::kernels
