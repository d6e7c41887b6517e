#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"
#include "torchlab/text/char_rnn_task.h"
#include "torchlab/text/sampler.h"

using namespace torchlab::text;
namespace ts = testing_support;

namespace {

std::string repeated(const std::string& unit, size_t n) {
  std::string s;
  while (s.size() < n) s += unit;
  return s.substr(0, n);
}

TrainRequest small_request(const ts::TempDir& dir, const std::string& text, int64_t epochs) {
  ts::write_text(dir / "text.txt", text);
  TrainRequest r;
  r.config = preset_config("default");
  r.config.input = (dir / "text.txt").string();
  r.config.model.hidden = 32;
  r.config.model.dropout = 0;
  r.config.seq_len = 16;
  r.config.batch_size = 8;
  r.config.lr = 0.02;
  r.config.epochs = epochs;
  r.config.sample_length = 0;
  r.runs_dir = dir / "runs";
  r.run = "r";
  r.quiet = true;
  r.write_report = false;
  r.print = [](const std::string&) {};
  return r;
}

}  // namespace

// The kernel path's next-character distribution is the libtorch model's softmax, for every model kind the CLI
// trains (LSTM/GRU, one or two layers, either implementation: the weights are the same), bytes and chars.
TEST(Sampler, KernelDistributionIsTheTorchModelsSoftmax) {
  struct Kind {
    std::string cell, impl;
    int64_t layers;
    VocabKind vocab;
  };
  for (const auto& k : {Kind{"lstm", "fused", 1, VocabKind::Chars}, Kind{"lstm", "torch", 2, VocabKind::Bytes},
                        Kind{"gru", "torch", 1, VocabKind::Bytes}, Kind{"gru", "auto", 2, VocabKind::Chars}}) {
    SCOPED_TRACE(k.cell + " " + k.impl + " layers " + std::to_string(k.layers));
    torch::manual_seed(3);
    auto vocab = Vocab::build("the whale \xC3\xA9tait blanc", k.vocab);  // "é": two bytes or one char
    ModelOptions o;
    o.cell = k.cell;
    o.impl = k.impl;
    o.layers = k.layers;
    o.vocab = vocab.size();
    o.hidden = 24;
    CharRnnImpl model(o);
    model.eval();
    const std::string prime = "the \xC3\xA9tait";
    for (const double t : {1.0, 0.7}) {
      const auto got = next_char_probabilities(model, vocab, prime, t);
      RnnState state;
      torch::Tensor logits;
      for (int64_t label : vocab.encode(prime, "prime")) logits = model.step(label, state);
      auto want = torch::softmax(logits.to(torch::kDouble) / t, 0);
      ASSERT_EQ(static_cast<int64_t>(got.size()), vocab.size());
      for (int64_t v = 0; v < vocab.size(); ++v) EXPECT_NEAR(got[v], want[v].item<double>(), 1e-5) << t << " " << v;
    }
  }
}

// Several sequences at once: each is seeded by its own stream, and the first is the single sample's text.
TEST(Sampler, NumSamplesBatchesAndTheFirstIsTheSingleSample) {
  torch::manual_seed(1);
  auto vocab = Vocab::build("abcdefgh", VocabKind::Bytes);
  ModelOptions o;
  o.vocab = vocab.size();
  o.hidden = 20;
  o.layers = 2;
  CharRnnImpl model(o);
  SampleOptions s;
  s.length = 120;
  s.prime = "bad";
  s.seed = 9;
  s.num_samples = 4;
  const auto many = sample_many(model, vocab, s);
  ASSERT_EQ(many.size(), 4u);
  EXPECT_EQ(many[0], sample(model, vocab, s));
  EXPECT_EQ(many, sample_many(model, vocab, s));
  for (size_t k = 1; k < many.size(); ++k) EXPECT_NE(many[k], many[0]) << k;
  s.num_samples = 0;
  EXPECT_THROW(sample_many(model, vocab, s), torchlab::UserError);
}

TEST(Sampler, SeededSamplingIsDeterministicAndBadOptionsFail) {
  torch::manual_seed(1);
  auto vocab = Vocab::build("abcdefgh", VocabKind::Bytes);
  ModelOptions o;
  o.vocab = vocab.size();
  o.hidden = 8;
  CharRnnImpl model(o);
  SampleOptions s;
  s.length = 200;
  s.seed = 7;
  const auto a = sample(model, vocab, s);
  const auto b = sample(model, vocab, s);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 200u);
  s.seed = 8;
  EXPECT_NE(sample(model, vocab, s), a);
  std::string streamed;
  s.prime = "cab";
  const auto c = sample(model, vocab, s, [&](const std::string& p) { streamed += p; });
  EXPECT_EQ(streamed, "cab" + c);

  s.temperature = 0;
  EXPECT_THROW(sample(model, vocab, s), torchlab::UserError);
  s.temperature = -1;
  EXPECT_THROW(sample(model, vocab, s), torchlab::UserError);
  s.temperature = 1;
  s.prime = "bax!z";
  try {
    sample(model, vocab, s);
    FAIL();
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("3 characters the model's vocabulary does not have: '!', 'x', 'z'"),
              std::string::npos)
        << e.what();
  }
}

// Stepping the state one character at a time gives the same logits as running the whole sequence at once.
TEST(Sampler, StepMatchesTheSequenceForward) {
  torch::manual_seed(2);
  ModelOptions o;
  o.vocab = 6;
  o.hidden = 10;
  o.layers = 2;
  CharRnnImpl model(o);
  model.eval();
  auto tokens = torch::tensor({3, 1, 4, 1, 5, 0}, torch::kInt64).view({6, 1});
  torch::NoGradGuard g;
  auto all = model.forward(tokens);
  RnnState state;
  for (int64_t t = 0; t < 6; ++t) {
    auto logits = model.step(tokens[t][0].item<int64_t>(), state);
    EXPECT_LT((logits - all[t][0]).abs().max().item<double>(), 1e-5) << t;
  }
}

// A small model learns a short repeating text to near-zero loss and samples it back exactly at low temperature.
TEST(CharRnnTask, LearnsARepeatingTextAndSamplesItBack) {
  torch::manual_seed(0);
  ts::TempDir dir;
  const std::string unit = "the cat sat on a mat. ";
  auto r = small_request(dir, repeated(unit, 4000), 15);
  r.config.seq_len = 48;  // the context-free first characters of each window weigh little
  const auto out = train_char_rnn(r);
  EXPECT_LT(out.valid_loss, 0.05) << "nats per character";
  auto loaded = load_char_rnn(latest_checkpoint(out.run_dir), torch::kCPU);
  SampleOptions s;
  s.prime = "the cat ";
  s.length = 3 * unit.size();
  s.temperature = 0.01;
  const auto text = sample(*loaded.model, loaded.vocab, s);
  EXPECT_EQ("the cat " + text, repeated(unit, 8 + 3 * unit.size())) << text;
}

// Two epochs in one go, and the same run stopped mid-epoch (--max-steps) then resumed, end with the same weights.
TEST(CharRnnTask, ResumeThroughTheLearnerIsExact) {
  ts::TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += static_cast<char>('a' + (i * i + i / 7) % 13);
  auto straight = small_request(dir, text, 2);
  straight.config.model.dropout = 0.2;  // the RNG state must be restored too
  straight.config.sample_length = 20;
  torch::manual_seed(5);
  const auto a = train_char_rnn(straight);

  auto first = straight;
  first.run = "s";
  first.max_steps = 30;  // epoch 2, batch 7 of 23
  torch::manual_seed(5);
  EXPECT_EQ(train_char_rnn(first).steps, 30);
  auto second = first;
  second.max_steps = 0;
  second.resume = dir / "runs" / "s";
  torch::manual_seed(99);  // resume must not depend on the process's RNG
  const auto b = train_char_rnn(second);
  EXPECT_EQ(b.steps, a.steps);
  EXPECT_DOUBLE_EQ(b.valid_loss, a.valid_loss);
  EXPECT_EQ(b.last_sample, a.last_sample);
  auto ca = torchlab::load_checkpoint(latest_checkpoint(a.run_dir));
  auto cb = torchlab::load_checkpoint(latest_checkpoint(b.run_dir));
  for (const auto& [name, t] : ca.tensors) {
    if (name.rfind("model.", 0) == 0) {
      EXPECT_TRUE(torch::equal(t, cb.tensors.at(name))) << name;
    }
  }

  // A resumed run refuses a changed model.
  auto changed = second;
  changed.config.model.hidden = 64;
  changed.given = {"hidden"};
  EXPECT_THROW(train_char_rnn(changed), torchlab::UserError);
}

TEST(CharRnnTask, CheckpointOfAnotherKindIsAClearError) {
  ts::TempDir dir;
  torchlab::Checkpoint other;
  other.meta["kind"] = "mnist";
  torchlab::save_checkpoint(other, dir / "m.ckpt");
  try {
    load_char_rnn(dir / "m.ckpt", torch::kCPU);
    FAIL();
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'mnist' checkpoint"), std::string::npos) << e.what();
  }
}

TEST(CharRnnConfig, JsonRoundTripAndPresets) {
  auto tch = preset_config("tch");
  EXPECT_EQ(tch.vocab, "bytes");
  EXPECT_EQ(tch.model.hidden, 256);
  EXPECT_EQ(tch.seq_len, 180);
  EXPECT_EQ(tch.batch_size, 256);
  EXPECT_DOUBLE_EQ(tch.lr, 0.01);
  EXPECT_DOUBLE_EQ(tch.clip_value, 0.5);
  EXPECT_EQ(tch.sample_length, 1024);
  auto back = CharRnnConfig::from_json(tch.to_json());
  EXPECT_EQ(back.to_json(), tch.to_json());
  EXPECT_THROW(preset_config("huge"), torchlab::UserError);
  EXPECT_NEAR(lr_factor("cosine", 0, 100), 1.0, 1e-12);
  EXPECT_NEAR(lr_factor("cosine", 50, 100), 0.525, 1e-12);
  EXPECT_NEAR(lr_factor("cosine", 100, 100), 0.05, 1e-12);
  EXPECT_EQ(lr_factor("constant", 50, 100), 1.0);
}
