// The WebAssembly side of an exported page: a C interface over the same C++ the native CLI runs (the kernels layer,
// the tic-tac-toe rules, the CartPole physics). The page's JavaScript owns the weights' memory; nothing here
// allocates per call.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "torchlab/kernels/categorical.h"
#include "torchlab/kernels/mlp.h"
#include "torchlab/kernels/pcg32.h"
#include "torchlab/kernels/rnn_step.h"
#include "torchlab/rl/cartpole.h"
#include "torchlab/rl/tictactoe.h"

using namespace torchlab;

namespace {

rl::Board board_of(const int32_t* cells) {
  rl::Board b;
  int x = 0, o = 0;
  for (int k = 0; k < 9; ++k) {
    b.cells[k] = static_cast<int8_t>(cells[k]);
    x += cells[k] == 1;
    o += cells[k] == -1;
  }
  b.to_move = x == o ? rl::kX : rl::kO;
  return b;
}

// A char-rnn being sampled: text/sampler.h's recipe for one sequence (prime, then PCG32 stream 0 draws).
struct Rnn {
  kernels::RnnWeights weights;
  std::unique_ptr<kernels::RnnStepper> stepper;
  std::vector<float> state, logits;
  kernels::Pcg32 rng;
  float temperature = 1;
  int32_t top_k = 0;
  kernels::CategoricalScratch scratch;

  kernels::RnnStepper& ready() {
    if (!stepper) stepper = std::make_unique<kernels::RnnStepper>(weights);
    return *stepper;
  }
  // Feeds the prime (an empty one: label 0, as natively) from a zero state; logits then hold the next token's.
  void prime(const int32_t* labels, int n) {
    auto& s = ready();
    state.assign(s.state_floats(), 0.0f);
    logits.assign(s.vocab(), 0.0f);
    const int32_t start = 0;
    if (n == 0) labels = &start, n = 1;
    for (int t = 0; t < n; ++t) s.step(labels + t, 1, state.data(), t + 1 == n ? logits.data() : nullptr);
  }
};

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE kernels::MlpForward* tl_mlp_new(int layers, const int32_t* sizes, const float** weights,
                                                     const float** biases) {
  std::vector<kernels::MlpLayer> spec;
  for (int l = 0; l < layers; ++l) spec.push_back({weights[l], biases[l], sizes[l], sizes[l + 1]});
  return new kernels::MlpForward(spec);
}
EMSCRIPTEN_KEEPALIVE void tl_mlp_forward(kernels::MlpForward* net, const float* x, float* y) { net->forward(x, 1, y); }

EMSCRIPTEN_KEEPALIVE Rnn* tl_rnn_new(int gru, int vocab, int hidden, int layers) {
  auto* rnn = new Rnn();
  rnn->weights.cell = gru ? kernels::RnnCell::Gru : kernels::RnnCell::Lstm;
  rnn->weights.vocab = vocab;
  rnn->weights.hidden = hidden;
  rnn->weights.layers.resize(layers);
  return rnn;
}
EMSCRIPTEN_KEEPALIVE void tl_rnn_set_layer(Rnn* rnn, int layer, const float* w_ih, const float* w_hh,
                                           const float* b_ih, const float* b_hh) {
  rnn->weights.layers[layer] = {w_ih, w_hh, b_ih, b_hh};
}
EMSCRIPTEN_KEEPALIVE void tl_rnn_set_head(Rnn* rnn, const float* w, const float* b) {
  rnn->weights.head_w = w;
  rnn->weights.head_b = b;
}
EMSCRIPTEN_KEEPALIVE void tl_rnn_sample_begin(Rnn* rnn, const int32_t* prime, int n, float temperature, int top_k,
                                              uint64_t seed) {
  rnn->prime(prime, n);
  rnn->rng = kernels::pcg32_seed(seed, 0);
  rnn->temperature = temperature;
  rnn->top_k = top_k;
}
// Draws n more labels into out, each fed back so the next draw follows it.
EMSCRIPTEN_KEEPALIVE void tl_rnn_sample_next(Rnn* rnn, int n, int32_t* out) {
  auto& s = rnn->ready();
  for (int i = 0; i < n; ++i) {
    out[i] = kernels::categorical_draw(rnn->logits.data(), static_cast<int32_t>(s.vocab()), rnn->temperature,
                                       rnn->top_k, kernels::pcg32_double(rnn->rng), rnn->scratch);
    s.step(out + i, 1, rnn->state.data(), rnn->logits.data());
  }
}
EMSCRIPTEN_KEEPALIVE void tl_rnn_probs(Rnn* rnn, const int32_t* prime, int n, float* probs) {
  rnn->prime(prime, n);
  kernels::categorical_probabilities(rnn->logits.data(), static_cast<int32_t>(rnn->ready().vocab()), 1.0f, 0, probs,
                                     rnn->scratch);
}

EMSCRIPTEN_KEEPALIVE int tl_board_winner(const int32_t* cells) { return board_of(cells).winner(); }
EMSCRIPTEN_KEEPALIVE uint32_t tl_board_legal_mask(const int32_t* cells) { return board_of(cells).legal_mask(); }
EMSCRIPTEN_KEEPALIVE uint32_t tl_board_code(const int32_t* cells) { return board_of(cells).code(); }

EMSCRIPTEN_KEEPALIVE rl::CartPole* tl_cartpole_new() { return new rl::CartPole(); }
EMSCRIPTEN_KEEPALIVE void tl_cartpole_reset(rl::CartPole* env, uint64_t seed) {
  env->seed(seed);
  env->reset();
}
EMSCRIPTEN_KEEPALIVE int tl_cartpole_done(const rl::CartPole* env) { return env->done(); }
EMSCRIPTEN_KEEPALIVE double tl_cartpole_step(rl::CartPole* env, int action) { return env->step(action).reward; }
EMSCRIPTEN_KEEPALIVE void tl_cartpole_observe(const rl::CartPole* env, float* out) { env->observe(out); }

}  // extern "C"
