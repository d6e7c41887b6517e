#pragma once
// Text generation on the libtorch-free kernels (kernels/rnn_step.h, categorical.h, pcg32.h), so the browser build
// reproduces `char-rnn sample --seed S` exactly. The recipe, for any port:
//   - the prime's labels are fed one step each (an empty prime: label 0, unprinted, as tch-rs starts);
//   - sequence s of num_samples (from 0) draws from its own PCG32, pcg32_seed(seed, s): stream s;
//   - each next label is categorical_draw(logits, vocab, float(temperature), top_k, pcg32_double(rng)), then fed.
// Sequences advance together (a batched step), and sequence 0 is the text a single sample gives.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "torchlab/kernels/rnn_step.h"
#include "torchlab/text/model.h"
#include "torchlab/text/vocab.h"

namespace torchlab::text {

struct SampleOptions {
  int64_t length = 1024;     // characters generated after the prime
  double temperature = 1.0;  // > 0; small values approach the most likely character
  int64_t top_k = 0;         // 0 = all characters
  std::string prime;         // text fed first (and printed); empty = start like tch-rs from label 0, unprinted
  uint64_t seed = 42;
  int64_t num_samples = 1;  // sequences generated at once
};
void validate(const SampleOptions& o, const Vocab& vocab);  // UserError for a bad value or a prime out of vocabulary

// The kernels' step over the model's current weights (copied to CPU float: any device, either implementation).
kernels::RnnStepper rnn_stepper(CharRnnImpl& model);

// Generates options.num_samples texts (without the prime). Puts the model in eval mode.
std::vector<std::string> sample_many(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& options);

// One text (sequence 0); `emit` receives each piece as soon as it exists (the prime, then every character).
std::string sample(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& options,
                   const std::function<void(const std::string&)>& emit = {});

// The distribution the next character is drawn from after `prime` (categorical_probabilities), per label.
std::vector<float> next_char_probabilities(CharRnnImpl& model, const Vocab& vocab, const std::string& prime,
                                           double temperature = 1.0, int64_t top_k = 0);

}  // namespace torchlab::text
