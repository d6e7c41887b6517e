#pragma once
// Text generation: the recurrent state advances one character at a time (the prefix is never re-run), each next
// character drawn from softmax(logits / temperature), optionally among the top k, with a seeded engine of its own.
#include <cstdint>
#include <functional>
#include <string>

#include "torchlab/text/model.h"
#include "torchlab/text/vocab.h"

namespace torchlab::text {

struct SampleOptions {
  int64_t length = 1024;     // characters generated after the prime
  double temperature = 1.0;  // > 0; small values approach the most likely character
  int64_t top_k = 0;         // 0 = all characters
  std::string prime;         // text fed first (and printed); empty = start like tch-rs from label 0, unprinted
  uint64_t seed = 42;
};
void validate(const SampleOptions& o, const Vocab& vocab);  // UserError for a bad value or a prime out of vocabulary

// Draws an index from softmax(logits / temperature) restricted to the top_k largest (0 = all), given u in [0, 1).
int64_t draw(const float* logits, int64_t n, double temperature, int64_t top_k, double u);

// Generates text; `emit` receives each piece as soon as it exists (the prime, then every character). Returns the
// generated text without the prime. Puts the model in eval mode.
std::string sample(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& options,
                   const std::function<void(const std::string&)>& emit = {});

}  // namespace torchlab::text
