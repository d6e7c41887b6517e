#include "torchlab/text/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "torchlab/core/error.h"

namespace torchlab::text {

void validate(const SampleOptions& o, const Vocab& vocab) {
  if (!(o.temperature > 0) || !std::isfinite(o.temperature))
    throw UserError("--temperature " + std::to_string(o.temperature) +
                    ": must be greater than 0 (1 = the model's distribution, smaller = more conservative)");
  if (o.top_k < 0) throw UserError("--top-k " + std::to_string(o.top_k) + ": must be 0 (all) or a positive count");
  if (o.length < 0) throw UserError("--length " + std::to_string(o.length) + ": must be 0 or more");
  vocab.encode(o.prime, "--prime");
}

int64_t draw(const float* logits, int64_t n, double temperature, int64_t top_k, double u) {
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  int64_t k = n;
  if (top_k > 0 && top_k < n) {
    // Ties broken by the lower index so the choice is deterministic.
    std::partial_sort(idx.begin(), idx.begin() + top_k, idx.end(),
                      [&](int64_t a, int64_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    k = top_k;
    std::sort(idx.begin(), idx.begin() + k);
  }
  double max = -INFINITY;
  for (int64_t i = 0; i < k; ++i) max = std::max(max, static_cast<double>(logits[idx[i]]));
  std::vector<double> p(k);
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += p[i] = std::exp((logits[idx[i]] - max) / temperature);
  double target = u * sum;
  for (int64_t i = 0; i < k; ++i) {
    target -= p[i];
    if (target < 0) return idx[i];
  }
  // Rounding left u * sum at the very top: the last character with nonzero weight.
  for (int64_t i = k - 1; i >= 0; --i)
    if (p[i] > 0) return idx[i];
  return idx[0];
}

std::string sample(CharRnnImpl& model, const Vocab& vocab, const SampleOptions& options,
                   const std::function<void(const std::string&)>& emit) {
  validate(options, vocab);
  model.eval();
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  RnnState state;
  torch::Tensor logits;
  if (options.prime.empty()) {
    logits = model.step(0, state);
  } else {
    if (emit) emit(options.prime);
    for (int64_t label : vocab.encode(options.prime, "--prime")) logits = model.step(label, state);
  }
  std::string out;
  for (int64_t i = 0; i < options.length; ++i) {
    auto cpu = logits.to(torch::kCPU, torch::kFloat).contiguous();
    const int64_t label = draw(cpu.data_ptr<float>(), cpu.numel(), options.temperature, options.top_k, uniform(rng));
    const auto piece = vocab.decode_one(label);
    out += piece;
    if (emit) emit(piece);
    if (i + 1 < options.length) logits = model.step(label, state);
  }
  return out;
}

}  // namespace torchlab::text
