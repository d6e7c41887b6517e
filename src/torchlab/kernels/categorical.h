#pragma once
// Drawing the next token from logits with a temperature and top-k: defined step by step so that every port (native,
// wasm, a JS rewrite) picks the same index for the same logits and uniform u.
//
//   1. Candidates: every index when top_k <= 0 or top_k >= n; else the top_k largest logits, ties going to the lower
//      index. Candidates are visited in increasing index order from here on.
//   2. m = the largest candidate logit; t = the temperature as a float.
//   3. w_i = fast::exp((logit_i - m) / t), all in float (vec_math.h's exp: the same bits everywhere).
//   4. Running sums in double, in index order: c_i = c_prev + w_i; total = the last c.
//   5. target = u * total (double), u in [0, 1) (pcg32_double in the samplers).
//   6. The answer is the first candidate with target < c_i. (A zero weight can never be picked.)
// probabilities() returns w_i / total (0 outside the candidates): the distribution step 6 draws from.
#include <cstdint>
#include <vector>

namespace torchlab::kernels {

// Caller-owned buffers, grown on first use, so drawing allocates nothing in steady state.
struct CategoricalScratch {
  std::vector<float> weight;
  std::vector<int32_t> index;
};

int32_t categorical_draw(const float* logits, int32_t n, float temperature, int32_t top_k, double u,
                         CategoricalScratch& scratch);
void categorical_probabilities(const float* logits, int32_t n, float temperature, int32_t top_k, float* probs,
                               CategoricalScratch& scratch);

// The plain loops of the spec (top-k by repeated scans): what categorical_draw is tested against.
int32_t categorical_draw_reference(const float* logits, int32_t n, float temperature, int32_t top_k, double u);

}  // namespace torchlab::kernels
