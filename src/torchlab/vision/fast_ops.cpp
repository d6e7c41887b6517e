#include "torchlab/vision/fast_ops.h"

#include <ATen/CPUGeneratorImpl.h>

#include <atomic>
#include <cmath>

#include "torchlab/vision/fast_kernels.h"

namespace torchlab::vision {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<bool> g_fast{true};

constexpr auto kChannelsLast = torch::MemoryFormat::ChannelsLast;

bool pool_fast_path(const torch::Tensor& x) {
  return g_fast && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() == 4 && x.size(2) % 2 == 0 &&
         x.size(3) % 2 == 0 && x.is_contiguous(kChannelsLast);
}

torch::Tensor pooled_like(const torch::Tensor& x) {
  return torch::empty({x.size(0), x.size(1), x.size(2) / 2, x.size(3) / 2}, x.options().memory_format(kChannelsLast));
}

struct MaxPool2x2Fn : torch::autograd::Function<MaxPool2x2Fn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x) {
    auto out = pooled_like(x);
    auto arg = torch::empty({out.numel()}, x.options().dtype(torch::kUInt8));
    kernels::max_pool2x2_forward(x.data_ptr<float>(), out.data_ptr<float>(), arg.data_ptr<uint8_t>(), x.size(0),
                                 x.size(1), x.size(2), x.size(3));
    ctx->save_for_backward({arg});
    ctx->saved_data["shape"] = x.sizes().vec();
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto arg = ctx->get_saved_variables()[0];
    const auto shape = ctx->saved_data["shape"].toIntVector();
    // The gradient from a flattening reshape arrives NCHW-contiguous; the kernel walks channels-last memory.
    const auto go = grads[0].contiguous(kChannelsLast);
    auto gi = torch::empty(shape, go.options().memory_format(kChannelsLast));
    kernels::max_pool2x2_backward(go.data_ptr<float>(), arg.data_ptr<uint8_t>(), gi.data_ptr<float>(), shape[0],
                                  shape[1], shape[2], shape[3]);
    return {gi};
  }
};

uint64_t draw_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

struct ReluDropoutFn : torch::autograd::Function<ReluDropoutFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double p) {
    const auto xc = x.contiguous();
    auto out = torch::empty_like(xc);
    auto pass = torch::empty(xc.sizes(), xc.options().dtype(torch::kUInt8));
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    const auto threshold = static_cast<uint32_t>(std::min(std::ldexp(p, 32), 4294967295.0));
    kernels::relu_dropout_forward(xc.data_ptr<float>(), out.data_ptr<float>(), pass.data_ptr<uint8_t>(), xc.numel(),
                                  draw_seed(), threshold, scale);
    ctx->save_for_backward({pass});
    ctx->saved_data["scale"] = static_cast<double>(scale);
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto pass = ctx->get_saved_variables()[0];
    const auto go = grads[0].contiguous();
    auto gi = torch::empty_like(go);
    kernels::relu_dropout_backward(go.data_ptr<float>(), pass.data_ptr<uint8_t>(), gi.data_ptr<float>(), go.numel(),
                                   static_cast<float>(ctx->saved_data["scale"].toDouble()));
    return {gi, torch::Tensor()};
  }
};

}  // namespace

void set_fast_ops(bool on) { g_fast = on; }
bool fast_ops_enabled() { return g_fast; }

torch::Tensor max_pool2x2(const torch::Tensor& x) {
  if (!pool_fast_path(x)) return torch::max_pool2d(x, 2);
  if (torch::GradMode::is_enabled() && x.requires_grad()) return MaxPool2x2Fn::apply(x);
  auto out = pooled_like(x);  // inference: no argmax to keep
  kernels::max_pool2x2_forward(x.data_ptr<float>(), out.data_ptr<float>(), nullptr, x.size(0), x.size(1), x.size(2),
                               x.size(3));
  return out;
}

torch::Tensor relu_dropout(const torch::Tensor& x, double p, bool train) {
  TORCH_CHECK(p >= 0 && p <= 1, "dropout probability must be in [0, 1], got ", p);
  if (!train || p == 0) return torch::relu(x);
  if (p == 1) return torch::relu(x) * 0;
  if (!g_fast || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32)
    return torch::dropout(torch::relu(x), p, true);
  return ReluDropoutFn::apply(x, p);
}

}  // namespace torchlab::vision
