#pragma once
// Fused CPU kernels for the conv net's cheap-but-memory-bound layers, with autograd. Each falls back to the stock
// libtorch ops where its fast path does not apply (CUDA, other dtypes or layouts), so results never depend on it.
#include <torch/torch.h>

namespace torchlab::vision {

// max_pool2d(x, 2) for [B, C, H, W] float channels-last tensors with even H and W: one pass forward (max and a
// one-byte argmax), one pass backward that writes every input gradient once (no zero fill, no scatter). Ties and
// NaN behave as in libtorch (the first maximum in row-major window order; NaN wins).
torch::Tensor max_pool2x2(const torch::Tensor& x);

// dropout(relu(x), p, train) in one pass, keeping one byte per element for backward. The mask comes from a
// counter-based generator seeded by one draw from torch's CPU generator, so torch::manual_seed and checkpointed
// RNG states reproduce it.
torch::Tensor relu_dropout(const torch::Tensor& x, double p, bool train);

// conv2d(x, weight, bias) for a one-channel input, a 5x5 kernel, stride 1 and no padding (the conv net's first
// layer, which oneDNN runs at a fraction of its usual speed), as FMA loops with channels-last output. Falls back to
// torch::conv2d without AVX2/FMA, on CUDA, for other shapes, or when x itself needs a gradient.
torch::Tensor conv_single_channel(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// Set false to use only stock libtorch ops (tests compare both).
void set_fast_ops(bool on);
bool fast_ops_enabled();

}  // namespace torchlab::vision
