// Greeks workloads (issue 3). Python side: bench/reference/greeks.py.
//  greeks/single_option_all_greeks      one option, price + all 8 Greeks, by the fused scalar AD path (jet_greeks:
//                                       second-order forward-mode AD of the pricing formula on doubles, held to the
//                                       libtorch autograd values by the tests). Python: the seed's autograd graph.
//  greeks/single_option_libtorch_autograd  the same option through libtorch autograd, as `torchlab greeks` runs it.
//  greeks/1m_autograd                   1 M random Black-76 options, price + all Greeks by libtorch autograd.
//  greeks/1m_closed_form                the same options by the closed forms.
#include "torchlab/finance/greeks.h"

#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "harness.h"
#include "torchlab/finance/closed_form.h"

namespace {

using namespace torchlab::finance;

constexpr int64_t kOptions = 1'000'000;

std::string fmt(const char* f, double a, double b = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

// Microseconds per call of fn, median over repeats of `calls` calls.
double latency_us(const std::function<void()>& fn, int calls, int repeats) {
  const auto secs = bench::time_runs(
      [&] {
        for (int i = 0; i < calls; ++i) fn();
      },
      repeats, 1);
  return bench::median(secs) / calls * 1e6;
}

double sink = 0;  // keeps the compiler from dropping the work

bench::Register single("greeks/single_option_all_greeks", [](int cuda) {
  Option o;  // the seed option
  const double us = latency_us([&] { sink += jet_greeks(o)[kVolga]; }, 20000, 7);
  return bench::Result{us, "us", false,
                       "fused scalar path: 2nd-order forward-mode AD (jets) on doubles, price+7 Greeks, seed option; "
                       "libtorch autograd for the same: greeks/single_option_libtorch_autograd"};
});

bench::Register single_torch("greeks/single_option_libtorch_autograd", [](int cuda) {
  const torch::Device device = cuda ? torch::kCUDA : torch::kCPU;
  Option o;
  const double us = latency_us([&] { sink += autograd_greeks(o, device)[kVolga]; }, 300, 7);
  return bench::Result{us, "us", false, "libtorch autograd graph (create_graph), float64, price+7 Greeks, seed option"};
});

OptionTensors bench_options(int cuda) {
  torch::manual_seed(7);
  return random_options(Model::black76, kOptions, cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU));
}

void sync(int cuda) {
  if (cuda) torch::cuda::synchronize();
}

// Warm-up runs first: the first calls start the worker threads, and libtorch's thread pools, re-created for them,
// spin for a while. Each workload writes into one output tensor reused across repeats, as a streaming caller (the CSV
// batch) does; a fresh 72 MB result per call would add ~3 ns/option of page faults that Python's smaller, recycled
// per-op buffers do not pay.
bench::Register autograd_1m("greeks/1m_autograd", [](int cuda) {
  const auto batch = bench_options(cuda);
  auto out = autograd_greeks(batch);
  const auto t_ag = bench::median(bench::time_runs(
      [&] {
        autograd_greeks(batch, out);
        sync(cuda);
      },
      5, 3));
  const auto t_cf = bench::median(bench::time_runs(
      [&] {
        closed_form_greeks(batch, out);
        sync(cuda);
      },
      5, 3));
  return bench::Result{
      kOptions / t_ag, "options/s", true,
      fmt("1M Black-76 calls/puts, price+7 Greeks, float64, reused output; autograd/closed-form time ratio %.2f",
          t_ag / t_cf)};
});

bench::Register closed_1m("greeks/1m_closed_form", [](int cuda) {
  const auto batch = bench_options(cuda);
  auto out = closed_form_greeks(batch);
  const auto t = bench::median(bench::time_runs(
      [&] {
        closed_form_greeks(batch, out);
        sync(cuda);
      },
      9, 10));
  return bench::Result{kOptions / t, "options/s", true,
                       "1M Black-76 calls/puts, price+7 Greeks, float64, reused output"};
});

}  // namespace
