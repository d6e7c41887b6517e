#pragma once
// The forward pass of a small ReLU MLP (Linear, ReLU, ..., Linear) in float32, one input row at a time: the DQN's
// Q-values for a board or a state, without libtorch (native and the browser build).
//   y_o = (s_o < 0 ? 0 : s_o) on hidden layers, s_o on the last, with s_o = (sum over i of W[o][i] * x[i]) + b[o]
// where the sum runs in increasing i from 0, each product rounded then added (no FMA): the same bits on every build.
// The fast version keeps W transposed so that 8 outputs advance together, one lane each, in that same order.
#include <cstdint>
#include <vector>

namespace torchlab::kernels {

// Borrowed arrays in torch::nn::Linear's layout: w [out, in], b [out].
struct MlpLayer {
  const float* w;
  const float* b;
  int64_t in, out;
};

class MlpForward {
 public:
  MlpForward() = default;
  explicit MlpForward(const std::vector<MlpLayer>& layers);  // copies the weights

  int64_t inputs() const { return sizes_.front(); }
  int64_t outputs() const { return sizes_.back(); }
  // y [n, outputs] for x [n, inputs], row-major. Allocation-free after the first call.
  void forward(const float* x, int64_t n, float* y);

 private:
  std::vector<int64_t> sizes_, padded_;  // layer widths; outputs rounded up to 8
  std::vector<std::vector<float>> wt_;   // per layer [in][padded out], zero-padded
  std::vector<std::vector<float>> b_;    // per layer [padded out]
  std::vector<float> act_a_, act_b_;
};

void mlp_forward_reference(const std::vector<MlpLayer>& layers, const float* x, int64_t n, float* y);

}  // namespace torchlab::kernels
