#include "torchlab/vision/fused_adam.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "torchlab/core/compat.h"

namespace torchlab::vision {
namespace {

using torch::optim::AdamOptions;
using torch::optim::AdamParamState;

// The update of elements [begin, end), in libtorch's float operations and order: its vectorized add with alpha is a
// fused multiply-add (exp_avg += (1 - beta1) * grad, grad + weight_decay * p), and so, compiled with FMA, is
// addcmul's; addcdiv is (value * t1) / t2. Checked bit for bit against Debian's libtorch 1.13 (AVX2), so the two
// optimizers do not drift apart over steps.
#define TORCHLAB_ADAM_LOOP                                      \
  for (int64_t i = begin; i < end; ++i) {                       \
    const float gi = wd != 0 ? std::fma(wd, w[i], g[i]) : g[i]; \
    const float mi = std::fma(one_b1, gi, m[i] * b1);           \
    const float vi = std::fma(one_b2 * gi, gi, v[i] * b2);      \
    m[i] = mi;                                                  \
    v[i] = vi;                                                  \
    float vd = vi;                                              \
    if (vmax) vd = vmax[i] = std::max(vmax[i], vi);             \
    const float denom = std::sqrt(vd) / sqrt_bc2 + eps;         \
    w[i] = w[i] + (-step_size * mi) / denom;                    \
  }

struct AdamScalars {
  float b1, b2, one_b1, one_b2, sqrt_bc2, eps, wd, step_size;
};

#define TORCHLAB_ADAM_ARGS                                                                                          \
  float *__restrict w, const float *__restrict g, float *__restrict m, float *__restrict v, float *__restrict vmax, \
      int64_t begin, int64_t end, const AdamScalars &k
#define TORCHLAB_ADAM_UNPACK                                                                                  \
  const float b1 = k.b1, b2 = k.b2, one_b1 = k.one_b1, one_b2 = k.one_b2, sqrt_bc2 = k.sqrt_bc2, eps = k.eps, \
              wd = k.wd, step_size = k.step_size;

void adam_portable(TORCHLAB_ADAM_ARGS) {
  TORCHLAB_ADAM_UNPACK
  TORCHLAB_ADAM_LOOP
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same loop where std::fma is one instruction and the compiler may use 8-wide vectors.
__attribute__((target("avx2,fma"))) void adam_avx2(TORCHLAB_ADAM_ARGS) {
  TORCHLAB_ADAM_UNPACK
  TORCHLAB_ADAM_LOOP
}
bool have_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#else
void adam_avx2(TORCHLAB_ADAM_ARGS) { adam_portable(w, g, m, v, vmax, begin, end, k); }
bool have_fma() { return false; }
#endif

// One pass over a float CPU parameter whose gradient and state share its strides.
void fused_update(torch::Tensor& p, AdamParamState& s, const AdamOptions& o, double bc1, double bc2) {
  AdamScalars k;
  k.b1 = static_cast<float>(std::get<0>(o.betas()));
  k.b2 = static_cast<float>(std::get<1>(o.betas()));
  k.one_b1 = static_cast<float>(1 - std::get<0>(o.betas()));
  k.one_b2 = static_cast<float>(1 - std::get<1>(o.betas()));
  k.sqrt_bc2 = static_cast<float>(std::sqrt(bc2));
  k.eps = static_cast<float>(o.eps());
  k.wd = static_cast<float>(o.weight_decay());
  k.step_size = static_cast<float>(o.lr() / bc1);
  float* w = p.data_ptr<float>();
  const float* g = p.grad().data_ptr<float>();
  float* m = s.exp_avg().data_ptr<float>();
  float* v = s.exp_avg_sq().data_ptr<float>();
  float* vmax = o.amsgrad() ? s.max_exp_avg_sq().data_ptr<float>() : nullptr;
  const bool fast = have_fma();
  at::parallel_for(0, p.numel(), 32768, [&](int64_t begin, int64_t end) {
    if (fast)
      adam_avx2(w, g, m, v, vmax, begin, end, k);
    else
      adam_portable(w, g, m, v, vmax, begin, end, k);
  });
}

// libtorch 1.13's Adam step for one parameter, for what the fused loop does not take (CUDA, double, odd strides).
void tensor_update(torch::Tensor& p, AdamParamState& s, const AdamOptions& o, double bc1, double bc2) {
  auto grad = p.grad();
  if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
  s.exp_avg().mul_(std::get<0>(o.betas())).add_(grad, 1 - std::get<0>(o.betas()));
  s.exp_avg_sq().mul_(std::get<1>(o.betas())).addcmul_(grad, grad, 1 - std::get<1>(o.betas()));
  torch::Tensor denom;
  if (o.amsgrad()) {
    torch::max_out(s.max_exp_avg_sq(), s.max_exp_avg_sq(), s.exp_avg_sq());
    denom = (s.max_exp_avg_sq().sqrt() / std::sqrt(bc2)).add_(o.eps());
  } else {
    denom = (s.exp_avg_sq().sqrt() / std::sqrt(bc2)).add_(o.eps());
  }
  p.addcdiv_(s.exp_avg(), denom, -o.lr() / bc1);
}

bool same_layout(const torch::Tensor& a, const torch::Tensor& b) {
  return a.defined() && b.defined() && a.strides() == b.strides() && a.scalar_type() == b.scalar_type();
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "Adam does not support sparse gradients");
      const auto key = compat::optimizer_state_key(p);
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto fresh = std::make_unique<AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        if (o.amsgrad()) fresh->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(fresh)).first;
      }
      auto& s = static_cast<AdamParamState&>(*it->second);
      // State loaded from a checkpoint is contiguous; give it the parameter's layout once so one index walks all.
      if (!same_layout(s.exp_avg(), p) && p.is_non_overlapping_and_dense()) {
        const auto format = p.suggest_memory_format();
        s.exp_avg(s.exp_avg().contiguous(format));
        s.exp_avg_sq(s.exp_avg_sq().contiguous(format));
        if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().contiguous(format));
      }
      s.step(s.step() + 1);
      const double bc1 = 1 - std::pow(std::get<0>(o.betas()), s.step());
      const double bc2 = 1 - std::pow(std::get<1>(o.betas()), s.step());
      const bool fusable = p.device().is_cpu() && p.scalar_type() == torch::kFloat32 &&
                           p.is_non_overlapping_and_dense() && same_layout(p.grad(), p) &&
                           same_layout(s.exp_avg(), p) && same_layout(s.exp_avg_sq(), p) &&
                           (!o.amsgrad() || same_layout(s.max_exp_avg_sq(), p));
      if (fusable)
        fused_update(p, s, o, bc1, bc2);
      else
        tensor_update(p, s, o, bc1, bc2);
    }
  }
  return loss;
}

}  // namespace torchlab::vision
