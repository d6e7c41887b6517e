#pragma once
// A fused CPU path for tiny ReLU MLPs: forward, backward, Adam and EMA written as plain loops over float arrays,
// bound to the parameters of a real Mlp module (and the optimizer's own Adam state), so nothing is copied and the
// module stays the one source of truth for checkpoints and the libtorch path. At the seed's 9-32-32-9 a libtorch op
// costs more than the arithmetic behind it; these loops cost only the arithmetic. Checked against libtorch autograd
// and torch::optim::Adam in tests/rl/fused_mlp_test.cpp.
//
// Training activations are feature-major ([features x columns], the batch padded to a multiple of 16 columns) so
// every inner loop runs over contiguous batch columns.
#include <cstdint>
#include <vector>

namespace torch::optim {
class Adam;
struct AdamParamState;
}  // namespace torch::optim

namespace torchlab::rl {

class MlpImpl;

class FusedMlp {
 public:
  struct Param {
    float* data;
    float* grad;
    int64_t numel;
  };

  FusedMlp() = default;
  // The module's parameters must be contiguous float32 on the CPU (UserError otherwise). Binds to their storage:
  // in-place loads (load_module) are seen; replacing a parameter tensor needs a new FusedMlp.
  explicit FusedMlp(MlpImpl& module);
  FusedMlp(const FusedMlp&) = delete;
  FusedMlp& operator=(const FusedMlp&) = delete;
  FusedMlp(FusedMlp&&) = default;
  FusedMlp& operator=(FusedMlp&&) = default;

  bool bound() const { return !sizes_.empty(); }
  int inputs() const { return sizes_.front(); }
  int outputs() const { return sizes_.back(); }

  // q [n x outputs] for x [n x inputs], both row-major. No gradients.
  void forward(const float* x, int n, float* q);

  // Training pass over x [n x inputs] row-major: keeps the activations for backward().
  void train_forward(const float* x, int n);
  int columns() const { return cols_; }                       // n rounded up to a multiple of 16
  const float* output() const { return act_.back().data(); }  // [outputs x columns()]
  // dL/d(output) [outputs x columns()], zeroed by train_forward(): write the loss gradient here, then backward().
  float* output_grad() { return dout_.data(); }
  // Fills every Param::grad (overwriting) from output_grad().
  void backward();

  // fc1.weight, fc1.bias, fc2.weight, ... (the module's parameters() order).
  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }

 private:
  void resize(int n);
  std::vector<int> sizes_;
  std::vector<float*> w_, b_;
  std::vector<std::vector<float>> gw_, gb_;
  std::vector<std::vector<float>> act_;  // act_[0]: input; act_[l]: output of layer l
  std::vector<float> dout_, grad_a_, grad_b_;
  std::vector<float> row_a_, row_b_;
  std::vector<Param> params_;
  int n_ = 0, cols_ = 0;
};

// target <- (1 - tau) * target + tau * online, parameter by parameter.
void fused_ema(FusedMlp& target, const FusedMlp& online, float tau);
// target <- online.
void fused_copy(FusedMlp& target, const FusedMlp& online);

}  // namespace torchlab::rl
