#include "torchlab/kernels/categorical.h"

#include <algorithm>

#include "torchlab/kernels/vec_math.h"

namespace torchlab::kernels {
namespace {

// Steps 1-3 into scratch: index[0..k) the candidates in increasing order, weight[0..k) their w_i. Returns k.
int32_t candidate_weights(const float* logits, int32_t n, float temperature, int32_t top_k, CategoricalScratch& s) {
  if (s.index.size() < static_cast<size_t>(n)) {
    s.index.resize(n);
    s.weight.resize(n);
  }
  int32_t* idx = s.index.data();
  for (int32_t i = 0; i < n; ++i) idx[i] = i;
  int32_t k = n;
  if (top_k > 0 && top_k < n) {
    // A total order (larger logit first, then lower index), so the chosen set does not depend on the algorithm.
    std::nth_element(idx, idx + top_k - 1, idx + n,
                     [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    k = top_k;
    std::sort(idx, idx + k);
  }
  float m = logits[idx[0]];
  for (int32_t j = 1; j < k; ++j) m = std::max(m, logits[idx[j]]);
  for (int32_t j = 0; j < k; ++j) s.weight[j] = fast::exp((logits[idx[j]] - m) / temperature);
  return k;
}

}  // namespace

int32_t categorical_draw(const float* logits, int32_t n, float temperature, int32_t top_k, double u,
                         CategoricalScratch& s) {
  const int32_t k = candidate_weights(logits, n, temperature, top_k, s);
  double total = 0;
  for (int32_t j = 0; j < k; ++j) total += s.weight[j];
  const double target = u * total;
  double c = 0;
  for (int32_t j = 0; j < k; ++j) {
    c += s.weight[j];
    if (target < c) return s.index[j];
  }
  return s.index[k - 1];  // unreachable for u < 1 (target < total = the last c)
}

void categorical_probabilities(const float* logits, int32_t n, float temperature, int32_t top_k, float* probs,
                               CategoricalScratch& s) {
  const int32_t k = candidate_weights(logits, n, temperature, top_k, s);
  double total = 0;
  for (int32_t j = 0; j < k; ++j) total += s.weight[j];
  std::fill(probs, probs + n, 0.0f);
  for (int32_t j = 0; j < k; ++j) probs[s.index[j]] = static_cast<float>(s.weight[j] / total);
}

int32_t categorical_draw_reference(const float* logits, int32_t n, float temperature, int32_t top_k, double u) {
  const bool all = top_k <= 0 || top_k >= n;
  std::vector<bool> candidate(n, all);
  if (!all) {
    for (int32_t chosen = 0; chosen < top_k; ++chosen) {  // the largest not yet chosen, the lower index on ties
      int32_t best = -1;
      for (int32_t i = 0; i < n; ++i)
        if (!candidate[i] && (best < 0 || logits[i] > logits[best])) best = i;
      candidate[best] = true;
    }
  }
  float m = -INFINITY;
  for (int32_t i = 0; i < n; ++i)
    if (candidate[i]) m = std::max(m, logits[i]);
  double total = 0;
  for (int32_t i = 0; i < n; ++i)
    if (candidate[i]) total += fast::exp((logits[i] - m) / temperature);
  const double target = u * total;
  double c = 0;
  int32_t last = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (!candidate[i]) continue;
    c += fast::exp((logits[i] - m) / temperature);
    if (target < c) return i;
    last = i;
  }
  return last;
}

}  // namespace torchlab::kernels
