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

bool conv_fast_path(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return g_fast && kernels::have_avx2_fma() && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
         w.scalar_type() == torch::kFloat32 && x.dim() == 4 && x.size(1) == 1 && x.size(2) >= 5 && x.size(3) >= 5 &&
         w.dim() == 4 && w.size(1) == 1 && w.size(2) == 5 && w.size(3) == 5 && w.size(0) % 16 == 0 && b.defined() &&
         b.numel() == w.size(0) && b.scalar_type() == torch::kFloat32 && !x.requires_grad();
}

struct ConvSingleChannelFn : torch::autograd::Function<ConvSingleChannelFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b) {
    const int64_t B = x.size(0), H = x.size(2), W = x.size(3), OC = w.size(0);
    // [B, 1, H, W] in either layout is [B, H, W] in memory once contiguous.
    const auto xc = x.reshape({B, H, W}).contiguous();
    const auto wt = w.detach().reshape({OC, 25}).t().contiguous();  // tap-major [25, OC]
    const auto bc = b.detach().contiguous();
    auto y = torch::empty({B, OC, H - 4, W - 4}, x.options().memory_format(kChannelsLast));
    kernels::conv1ch5_forward(xc.data_ptr<float>(), wt.data_ptr<float>(), bc.data_ptr<float>(), y.data_ptr<float>(), B,
                              H, W, OC);
    ctx->save_for_backward({xc, w});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& xc = saved[0];
    const auto& w = saved[1];
    const int64_t B = xc.size(0), H = xc.size(1), W = xc.size(2), OC = w.size(0);
    const auto gy = grads[0].contiguous(kChannelsLast);
    auto gwt = torch::empty({25, OC}, gy.options());
    auto gb = torch::empty({OC}, gy.options());
    kernels::conv1ch5_backward(xc.data_ptr<float>(), gy.data_ptr<float>(), gwt.data_ptr<float>(), gb.data_ptr<float>(),
                               B, H, W, OC);
    auto gw = torch::empty_like(w);  // the weight's own strides, so optimizers see matching layouts
    gw.copy_(gwt.t().reshape(w.sizes()));
    return {torch::Tensor(), gw, gb};
  }
};

}  // namespace

torch::Tensor conv_single_channel(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!conv_fast_path(x, weight, bias)) return torch::conv2d(x, weight, bias);
  return ConvSingleChannelFn::apply(x, weight, bias);
}

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
