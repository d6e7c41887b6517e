#include "torchlab/finance/greeks.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "torchlab/finance/closed_form.h"
#include "torchlab/finance/demo.h"

using namespace torchlab::finance;

namespace {

// Relative 1e-9, absolute 1e-10 where a value is near zero (vanna and volga cross zero; deep out-of-the-money
// prices underflow).
void expect_close(double a, double b, const std::string& what, double rel = 1e-9, double abs = 1e-10) {
  EXPECT_LE(std::abs(a - b), rel * std::max(std::abs(a), std::abs(b)) + abs) << what << ": " << a << " vs " << b;
}

std::string describe(const Option& o) {
  std::ostringstream s;
  s.precision(17);
  s << model_name(o.model) << (o.put ? " put" : " call") << " S=" << o.underlying << " K=" << o.strike
    << " vol=" << o.vol << " T=" << o.time << " r=" << o.rate << " q=" << o.dividend;
  return s.str();
}

}  // namespace

TEST(Greeks, SeedValuesToThePrintedDigits) {
  const auto g = autograd_greeks(Option{});
  EXPECT_NEAR(g[kPrice], 11.8049, 0.5e-4);
  EXPECT_NEAR(g[kDelta], 0.5540, 0.5e-4);
  EXPECT_NEAR(g[kVega], 39.0554, 0.5e-4);
  EXPECT_NEAR(g[kGamma], 0.0130, 0.5e-4);
  EXPECT_NEAR(g[kVanna], 0.1953, 0.5e-4);
  EXPECT_NEAR(g[kVolga], -2.9292, 0.5e-4);
}

TEST(Greeks, SeedValuesMatchClosedFormsTo1e10) {
  const Option seed;
  const auto a = autograd_greeks(seed);
  const auto c = closed_form_greeks(seed);
  const auto j = jet_greeks(seed);
  // The seed's closed forms by hand: d1 = 0.15, d2 = -0.15, D = exp(-0.01).
  const double D = std::exp(-0.01), N1 = 0.5 * std::erfc(-0.15 / std::sqrt(2.0)), N2 = 1 - N1;
  const double p = std::exp(-0.5 * 0.15 * 0.15) / std::sqrt(2 * M_PI);
  EXPECT_NEAR(c[kPrice], D * 100 * (N1 - N2), 1e-12);
  EXPECT_NEAR(c[kDelta], D * N1, 1e-14);
  EXPECT_NEAR(c[kVega], D * 100 * p, 1e-12);
  EXPECT_NEAR(c[kGamma], D * p / 30, 1e-14);
  EXPECT_NEAR(c[kVanna], D * p * 0.15 / 0.3, 1e-14);
  EXPECT_NEAR(c[kVolga], -D * 100 * p * 0.15 * 0.15 / 0.3, 1e-12);
  for (int g = 0; g < kNumGreeks; ++g) {
    EXPECT_NEAR(a[g], c[g], 1e-10) << greek_name(g);
    EXPECT_NEAR(j[g], c[g], 1e-10) << greek_name(g);
  }
}

TEST(Greeks, PutCallParity) {
  torch::manual_seed(3);
  for (auto model : {Model::black76, Model::bsm}) {
    auto calls = random_options(model, 500);
    calls.sign = torch::ones_like(calls.sign);
    auto puts = calls;
    puts.sign = -calls.sign;
    const auto c = autograd_greeks(calls), p = autograd_greeks(puts);
    const auto& S = calls.underlying;
    const auto& T = calls.time;
    const auto Dr = torch::exp(-calls.rate * T);
    const auto Dq = model == Model::bsm ? torch::exp(-calls.dividend * T) : Dr;
    // C - P = S Dq - K Dr; delta_C - delta_P = Dq; gamma, vega, vanna, volga are the same for both.
    EXPECT_TRUE(torch::allclose(c[kPrice] - p[kPrice], S * Dq - calls.strike * Dr, 1e-12, 1e-10));
    EXPECT_TRUE(torch::allclose(c[kDelta] - p[kDelta], Dq, 1e-12, 1e-12));
    for (int g : {kGamma, kVega, kVanna, kVolga})
      EXPECT_TRUE(torch::allclose(c[g], p[g], 1e-9, 1e-10)) << greek_name(g) << " " << model_name(model);
  }
}

TEST(Greeks, EveryGreekMatchesClosedFormOnRandomGrid) {
  torch::manual_seed(11);
  for (auto model : {Model::black76, Model::bsm}) {
    const auto batch = random_options(model, 2000);
    const auto ag = autograd_greeks(batch);
    const auto cf = closed_form_greeks(batch);  // the fused CPU loops
    int calls = 0, puts = 0;
    for (int64_t i = 0; i < batch.size(); ++i) {
      const auto o = option_at(batch, i);
      (o.put ? puts : calls)++;
      const auto c = closed_form_greeks(o);
      const auto j = jet_greeks(o);
      for (int g : greeks_of(model)) {
        const std::string what = std::string(greek_name(g)) + " of " + describe(o);
        expect_close(ag[g][i].item<double>(), c[g], "autograd " + what);
        expect_close(cf[g][i].item<double>(), c[g], "batch closed form " + what, 1e-12, 1e-12);
        expect_close(j[g], c[g], "jet " + what);
      }
      if (HasFailure()) return;
    }
    EXPECT_GT(calls, 800);
    EXPECT_GT(puts, 800);
  }
}

TEST(Greeks, ChunksAndThreadsGiveTheSameNumbers) {
  torch::manual_seed(5);
  const auto batch = random_options(Model::bsm, 1000);
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = autograd_greeks(batch, 1000);
  const auto one_cf = closed_form_greeks(batch);
  at::set_num_threads(2);
  const auto many = autograd_greeks(batch, 37);
  const auto many_cf = closed_form_greeks(batch);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one, many));
  EXPECT_TRUE(torch::equal(one_cf, many_cf));
}

TEST(Greeks, WorksOnCudaWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(4);
  for (auto model : {Model::black76, Model::bsm}) {
    const auto batch = random_options(model, 1000);
    const auto cpu = autograd_greeks(batch);
    const auto gpu = autograd_greeks(batch.to(torch::kCUDA)).cpu();
    const auto gpu_cf = closed_form_greeks(batch.to(torch::kCUDA)).cpu();
    EXPECT_TRUE(torch::allclose(cpu, gpu, 1e-9, 1e-10));
    EXPECT_TRUE(torch::allclose(cpu, gpu_cf, 1e-9, 1e-10));
  }
}

TEST(Greeks, DemoStepShowsSeedCheckAndImpliedVol) {
  std::ostringstream out;
  torchlab::finance::greeks_demo(out, torch::kCPU);
  const auto text = out.str();
  EXPECT_NE(text.find("price: 11.8049\ndelta: 0.5540, vega: 39.0554\ngamma: 0.0130, vanna: 0.1953, volga: -2.9292\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("check: largest relative difference to the closed forms"), std::string::npos);
  EXPECT_NE(text.find(": 0.3000000000 ("), std::string::npos) << text;
}
