#include "torchlab/train/fused_adam.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "torchlab/core/compat.h"
#include "torchlab/core/error.h"
#include "torchlab/kernels/adam.h"

namespace torchlab::train {
namespace {

using torch::optim::AdamOptions;
using torch::optim::AdamParamState;

// One pass over a float CPU parameter whose gradient and state share its strides.
void fused_update(torch::Tensor& p, AdamParamState& s, const AdamOptions& o) {
  const auto k = kernels::adam_scalars(o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(),
                                       o.weight_decay(), s.step());
  float* w = p.data_ptr<float>();
  const float* g = p.grad().data_ptr<float>();
  float* m = s.exp_avg().data_ptr<float>();
  float* v = s.exp_avg_sq().data_ptr<float>();
  float* vmax = o.amsgrad() ? s.max_exp_avg_sq().data_ptr<float>() : nullptr;
  at::parallel_for(0, p.numel(), 32768,
                   [&](int64_t begin, int64_t end) { kernels::adam_update(w, g, m, v, vmax, begin, end, k); });
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
      const bool fusable = p.device().is_cpu() && p.scalar_type() == torch::kFloat32 &&
                           p.is_non_overlapping_and_dense() && same_layout(p.grad(), p) &&
                           same_layout(s.exp_avg(), p) && same_layout(s.exp_avg_sq(), p) &&
                           (!o.amsgrad() || same_layout(s.max_exp_avg_sq(), p));
      if (fusable) {
        fused_update(p, s, o);
      } else {
        const double bc1 = 1 - std::pow(std::get<0>(o.betas()), s.step());
        const double bc2 = 1 - std::pow(std::get<1>(o.betas()), s.step());
        tensor_update(p, s, o, bc1, bc2);
      }
    }
  }
  return loss;
}

void FusedAdam::bind_gradients(const std::vector<float*>& grads) {
  bound_.clear();
  if (param_groups_.size() != 1) throw UserError("the fused Adam step supports one parameter group");
  const auto& o = static_cast<const AdamOptions&>(param_groups_[0].options());
  if (o.amsgrad()) throw UserError("the fused Adam step does not support amsgrad");
  auto& params = param_groups_[0].params();
  if (grads.size() != params.size())
    throw UserError("the optimizer has " + std::to_string(params.size()) + " parameters, the gradients " +
                    std::to_string(grads.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    if (!p.device().is_cpu() || p.scalar_type() != torch::kFloat32 || !p.is_contiguous())
      throw UserError("bound gradients need float, contiguous CPU parameters");
    const auto key = compat::optimizer_state_key(p);
    auto it = state_.find(key);
    if (it == state_.end()) {
      auto fresh = std::make_unique<AdamParamState>();
      fresh->step(0);
      fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
      fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
      it = state_.emplace(key, std::move(fresh)).first;
    }
    auto& s = static_cast<AdamParamState&>(*it->second);
    if (!s.exp_avg().is_contiguous()) s.exp_avg(s.exp_avg().contiguous());
    if (!s.exp_avg_sq().is_contiguous()) s.exp_avg_sq(s.exp_avg_sq().contiguous());
    bound_.push_back({p.data_ptr<float>(), s.exp_avg().data_ptr<float>(), s.exp_avg_sq().data_ptr<float>(), grads[i],
                      p.numel(), &s});
  }
}

void FusedAdam::step_bound() {
  const auto& o = static_cast<const AdamOptions&>(param_groups_[0].options());
  for (auto& b : bound_) {
    b.state->step(b.state->step() + 1);
    const auto k = kernels::adam_scalars(o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(),
                                         o.weight_decay(), b.state->step());
    kernels::adam_update(b.w, b.g, b.m, b.v, nullptr, 0, b.numel, k);
  }
}

}  // namespace torchlab::train
