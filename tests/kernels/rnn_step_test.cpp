#include "torchlab/kernels/rnn_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

using namespace torchlab::kernels;

namespace {

// A torch::nn::LSTM or GRU on one-hot input plus a Linear head, and the kernel's view of its weights.
struct Net {
  Net(bool lstm, int64_t vocab, int64_t hidden, int64_t layers) : vocab(vocab), hidden(hidden) {
    if (lstm) {
      rnn = torch::nn::AnyModule(torch::nn::LSTM(torch::nn::LSTMOptions(vocab, hidden).num_layers(layers)));
      lstm_ = rnn.get<torch::nn::LSTM>().ptr();
    } else {
      rnn = torch::nn::AnyModule(torch::nn::GRU(torch::nn::GRUOptions(vocab, hidden).num_layers(layers)));
      gru_ = rnn.get<torch::nn::GRU>().ptr();
    }
    head = torch::nn::Linear(hidden, vocab);
    torch::nn::Module& m = lstm ? static_cast<torch::nn::Module&>(*lstm_) : *gru_;
    auto p = m.named_parameters();
    w.cell = lstm ? RnnCell::Lstm : RnnCell::Gru;
    w.vocab = vocab;
    w.hidden = hidden;
    for (int64_t l = 0; l < layers; ++l) {
      const auto s = std::to_string(l);
      w.layers.push_back({p["weight_ih_l" + s].data_ptr<float>(), p["weight_hh_l" + s].data_ptr<float>(),
                          p["bias_ih_l" + s].data_ptr<float>(), p["bias_hh_l" + s].data_ptr<float>()});
    }
    w.head_w = head->weight.data_ptr<float>();
    w.head_b = head->bias.data_ptr<float>();
  }
  // Logits [T, B, V] of torch's sequence forward over tokens [T, B].
  torch::Tensor forward(const torch::Tensor& tokens) {
    torch::NoGradGuard g;
    auto x = torch::one_hot(tokens, vocab).to(torch::kFloat);
    auto y = lstm_ ? std::get<0>(lstm_->forward(x)) : std::get<0>(gru_->forward(x));
    return head->forward(y);
  }
  int64_t vocab, hidden;
  torch::nn::AnyModule rnn;
  std::shared_ptr<torch::nn::LSTMImpl> lstm_;
  std::shared_ptr<torch::nn::GRUImpl> gru_;
  torch::nn::Linear head{nullptr};
  RnnWeights w;
};

struct Case {
  bool lstm;
  int64_t hidden, layers;
};

}  // namespace

// For each cell, depth and a hidden size that is and is not a multiple of 16: the packed step equals the spec's
// plain loops bit for bit, each batch row equals the same sequence stepped alone, and the logits match torch's
// sequence forward to 1e-5.
TEST(RnnStep, MatchesReferenceBitForBitAndTorchTo1e5) {
  for (const Case c : {Case{true, 20, 1}, Case{true, 32, 2}, Case{false, 20, 2}, Case{false, 37, 1}}) {
    SCOPED_TRACE(std::string(c.lstm ? "lstm" : "gru") + " H=" + std::to_string(c.hidden) +
                 " L=" + std::to_string(c.layers));
    torch::manual_seed(11);
    const int64_t V = 7, B = 3, T = 6;
    Net net(c.lstm, V, c.hidden, c.layers);
    auto tokens = torch::randint(V, {T, B}, torch::kInt64);
    auto want = net.forward(tokens);
    RnnStepper fast(net.w);
    const int64_t S = fast.state_floats();
    ASSERT_EQ(S, rnn_state_floats(net.w));
    std::vector<float> state(B * S, 0.0f), ref_state(B * S, 0.0f), alone(S, 0.0f);
    std::vector<float> logits(B * V), ref_logits(B * V), alone_logits(V);
    for (int64_t t = 0; t < T; ++t) {
      int32_t tok[B];
      for (int64_t b = 0; b < B; ++b) tok[b] = static_cast<int32_t>(tokens[t][b].item<int64_t>());
      fast.step(tok, B, state.data(), logits.data());
      rnn_step_reference(net.w, tok, B, ref_state.data(), ref_logits.data());
      fast.step(tok + 1, 1, alone.data(), alone_logits.data());  // sequence 1 by itself
      EXPECT_EQ(0, std::memcmp(state.data(), ref_state.data(), state.size() * sizeof(float))) << t;
      EXPECT_EQ(0, std::memcmp(logits.data(), ref_logits.data(), logits.size() * sizeof(float))) << t;
      EXPECT_EQ(0, std::memcmp(alone_logits.data(), logits.data() + V, V * sizeof(float))) << t;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t v = 0; v < V; ++v) EXPECT_NEAR(logits[b * V + v], want[t][b][v].item<float>(), 1e-5) << t;
    }
  }
}

TEST(RnnStep, NullLogitsSkipOnlyTheHead) {
  torch::manual_seed(4);
  Net net(true, 5, 24, 2);
  RnnStepper fast(net.w);
  std::vector<float> a(fast.state_floats(), 0.0f), b = a, logits(5);
  const int32_t tok[3] = {1, 4, 2};
  for (int32_t t : tok) fast.step(&t, 1, a.data(), nullptr);
  for (int32_t t : tok) fast.step(&t, 1, b.data(), logits.data());
  EXPECT_EQ(a, b);
}
