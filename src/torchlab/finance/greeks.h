#pragma once
// Price and Greeks by automatic differentiation of the one pricing formula (formula.h).
#include <torch/types.h>

#include "torchlab/finance/option.h"
#include "torchlab/finance/option_tensors.h"

namespace torchlab::finance {

// The price of each option in the batch as a libtorch expression: differentiable in every tensor that requires grad.
torch::Tensor price(const OptionTensors& batch);

// Price and every Greek of a batch by libtorch reverse-mode autograd, as a [kNumGreeks, n] float64 tensor on the
// batch's device (epsilon is 0 for Black-76). Per chunk of rows, one vectorized graph: one backward pass with
// create_graph gives delta, vega, theta, rho (and epsilon); two more through that graph give gamma, vanna and volga.
// On the CPU the chunks are cache-sized and spread over --threads worker threads; chunk_rows = 0 picks the size.
torch::Tensor autograd_greeks(const OptionTensors& batch, int64_t chunk_rows = 0);
// The same into `out`, a contiguous float64 [kNumGreeks, n] tensor on the batch's device (reused by streaming
// callers).
void autograd_greeks(const OptionTensors& batch, torch::Tensor& out, int64_t chunk_rows = 0);

// One option by libtorch autograd on `device` (float64), as `torchlab greeks` computes it.
GreekValues autograd_greeks(const Option& option, const torch::Device& device = torch::kCPU);

// One option by second-order forward-mode AD on doubles (jet.h): the same formula differentiated with no graph and
// no libtorch dispatch, for when the latency of a single option matters (~0.06 us instead of ~0.25 ms). Tests hold it
// to the libtorch autograd values.
GreekValues jet_greeks(const Option& option);
// Every option of a batch that way, the rows spread over the CPU threads: [kNumGreeks, n] on the batch's device.
torch::Tensor jet_greeks(const OptionTensors& batch);

}  // namespace torchlab::finance
