#include "torchlab/text/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "torchlab/core/error.h"
#include "torchlab/kernels/categorical.h"
#include "torchlab/kernels/pcg32.h"

namespace torchlab::text {
namespace {

// The stepper's state and logits after feeding the prime (or label 0), with sequence 0's rows copied to all n.
struct Primed {
  std::vector<float> state, logits;
};

Primed prime(kernels::RnnStepper& stepper, const Vocab& vocab, const std::string& text, int64_t n) {
  std::vector<int64_t> labels = text.empty() ? std::vector<int64_t>{0} : vocab.encode(text, "prime");
  const int64_t S = stepper.state_floats(), V = stepper.vocab();
  Primed p{std::vector<float>(n * S, 0.0f), std::vector<float>(n * V)};
  for (size_t t = 0; t < labels.size(); ++t) {
    const int32_t label = static_cast<int32_t>(labels[t]);
    stepper.step(&label, 1, p.state.data(), t + 1 == labels.size() ? p.logits.data() : nullptr);
  }
  for (int64_t b = 1; b < n; ++b) {
    std::copy(p.state.begin(), p.state.begin() + S, p.state.begin() + b * S);
    std::copy(p.logits.begin(), p.logits.begin() + V, p.logits.begin() + b * V);
  }
  return p;
}

int32_t clamp_top_k(int64_t top_k) {
  return static_cast<int32_t>(std::min<int64_t>(top_k, std::numeric_limits<int32_t>::max()));
}

std::vector<std::string> generate(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& o,
                                  const std::function<void(const std::string&)>& emit) {
  validate(o, vocab);
  model.eval();
  auto stepper = rnn_stepper(model);
  const int64_t n = o.num_samples, V = stepper.vocab();
  auto p = prime(stepper, vocab, o.prime, n);
  if (emit && !o.prime.empty()) emit(o.prime);
  std::vector<kernels::Pcg32> rngs;
  for (int64_t s = 0; s < n; ++s) rngs.push_back(kernels::pcg32_seed(o.seed, static_cast<uint64_t>(s)));
  std::vector<int32_t> labels(n);
  std::vector<std::string> out(n);
  kernels::CategoricalScratch scratch;
  const float temperature = static_cast<float>(o.temperature);
  for (int64_t i = 0; i < o.length; ++i) {
    for (int64_t b = 0; b < n; ++b) {
      labels[b] = kernels::categorical_draw(p.logits.data() + b * V, static_cast<int32_t>(V), temperature,
                                            clamp_top_k(o.top_k), kernels::pcg32_double(rngs[b]), scratch);
      const auto piece = vocab.decode_one(labels[b]);
      out[b] += piece;
      if (emit) emit(piece);
    }
    if (i + 1 < o.length) stepper.step(labels.data(), n, p.state.data(), p.logits.data());
  }
  return out;
}

}  // namespace

void validate(const SampleOptions& o, const Vocab& vocab) {
  if (!(o.temperature > 0) || !std::isfinite(o.temperature))
    throw UserError("--temperature " + std::to_string(o.temperature) +
                    ": must be greater than 0 (1 = the model's distribution, smaller = more conservative)");
  if (o.top_k < 0) throw UserError("--top-k " + std::to_string(o.top_k) + ": must be 0 (all) or a positive count");
  if (o.length < 0) throw UserError("--length " + std::to_string(o.length) + ": must be 0 or more");
  if (o.num_samples < 1) throw UserError("num_samples " + std::to_string(o.num_samples) + ": must be at least 1");
  vocab.encode(o.prime, "--prime");
}

kernels::RnnStepper rnn_stepper(CharRnnImpl& model) {
  const auto& mo = model.options();
  std::map<std::string, torch::Tensor> cpu;
  for (const auto& item : model.named_parameters())
    cpu[item.key()] = item.value().detach().to(torch::kCPU, torch::kFloat).contiguous();
  auto ptr = [&](const std::string& name) { return cpu.at(name).data_ptr<float>(); };
  kernels::RnnWeights w;
  w.cell = mo.cell == "lstm" ? kernels::RnnCell::Lstm : kernels::RnnCell::Gru;
  w.vocab = mo.vocab;
  w.hidden = mo.hidden;
  for (int64_t l = 0; l < mo.layers; ++l) {
    const auto s = std::to_string(l);
    w.layers.push_back(
        {ptr("rnn.weight_ih_l" + s), ptr("rnn.weight_hh_l" + s), ptr("rnn.bias_ih_l" + s), ptr("rnn.bias_hh_l" + s)});
  }
  w.head_w = ptr("head.weight");
  w.head_b = ptr("head.bias");
  return kernels::RnnStepper(w);
}

std::vector<std::string> sample_many(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& options) {
  return generate(model, vocab, options, {});
}

std::string sample(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& options,
                   const std::function<void(const std::string&)>& emit) {
  SampleOptions one = options;
  one.num_samples = 1;
  return generate(model, vocab, one, emit).front();
}

std::vector<float> next_char_probabilities(CharRnnImpl& model, const Vocab& vocab, const std::string& text,
                                           double temperature, int64_t top_k) {
  auto stepper = rnn_stepper(model);
  auto p = prime(stepper, vocab, text, 1);
  std::vector<float> probs(stepper.vocab());
  kernels::CategoricalScratch scratch;
  kernels::categorical_probabilities(p.logits.data(), static_cast<int32_t>(stepper.vocab()),
                                     static_cast<float>(temperature), clamp_top_k(top_k), probs.data(), scratch);
  return probs;
}

}  // namespace torchlab::text
