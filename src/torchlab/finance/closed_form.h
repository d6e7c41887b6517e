#pragma once
// Closed-form Black-76 / Black-Scholes-Merton prices and Greeks: the independent check on the autograd path, and the
// fast path for large batches.
#include <torch/types.h>

#include "torchlab/finance/option.h"
#include "torchlab/finance/option_tensors.h"

namespace torchlab::finance {

// Price and every Greek of one option (epsilon is 0 for Black-76).
GreekValues closed_form_greeks(const Option& option);

// Price and every Greek of a batch: a [kNumGreeks, n] float64 tensor on the batch's device. On the CPU the batch
// runs in cache-sized chunks spread over the intra-op threads; each chunk takes a few fused loops plus one
// vectorized libtorch call per transcendental (log, erfc, exp), instead of one pass over memory per operation.
torch::Tensor closed_form_greeks(const OptionTensors& batch);
// The same into `out`, a contiguous float64 [kNumGreeks, n] tensor on the batch's device: a caller that streams
// batches reuses one output and skips faulting in fresh memory for every batch.
void closed_form_greeks(const OptionTensors& batch, torch::Tensor& out);

// The same in plain libtorch ops, which is what runs on an accelerator (public so the CPU tests can hold the two
// formulations to each other).
torch::Tensor closed_form_greeks_ops(const OptionTensors& batch);

}  // namespace torchlab::finance
