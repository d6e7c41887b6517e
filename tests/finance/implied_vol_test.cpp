#include "torchlab/finance/implied_vol.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "torchlab/finance/greeks.h"

using namespace torchlab::finance;

TEST(ImpliedVol, SeedPriceGivesBackTheSeedVol) {
  const Option seed;
  const double price = autograd_greeks(seed)[kPrice];
  const auto r = implied_vol(seed, price);
  EXPECT_EQ(r.status, kSolved);
  EXPECT_NEAR(r.vol, 0.3, 1e-10);
  EXPECT_LE(r.iterations, 5);
  EXPECT_TRUE(r.reason.empty());
}

TEST(ImpliedVol, RoundTripOnRandomGridInAHandfulOfSteps) {
  torch::manual_seed(21);
  for (auto model : {Model::black76, Model::bsm}) {
    const auto batch = random_options(model, 4000);
    const auto prices = price(batch);
    const auto vega = autograd_greeks(batch)[kVega];
    const auto r = implied_vol(batch, prices);
    const auto solved = r.status == kSolved;
    // A price known to ~1e-15 of the option's scale pins the vol only to about that / vega: the grid reaches deep
    // out of the money, where vega vanishes. Where the vol is determined, it comes back to 1e-10.
    const auto determined = vega > 1e-3;
    ASSERT_GT(determined.sum().item<int64_t>(), 3000);
    EXPECT_TRUE(solved.index({determined}).all().item<bool>());
    const auto err = (r.vol - batch.vol).abs().index({determined});
    EXPECT_LE(err.max().item<double>(), 1e-10) << model_name(model);
    const auto its = r.iterations.index({determined}).to(torch::kFloat64);
    EXPECT_LE(its.mean().item<double>(), 5.0) << model_name(model);
    EXPECT_LE(its.max().item<double>(), 10.0) << model_name(model);
  }
}

TEST(ImpliedVol, PricesOutsideTheNoArbitrageBoundsHaveNoSolution) {
  Option call;  // forward 100, strike 100, rate 0.01, 1 year: bounds (0, 100 exp(-0.01))
  const double upper = 100 * std::exp(-0.01);
  for (double p : {upper, upper + 1, 150.0}) {
    const auto r = implied_vol(call, p);
    EXPECT_EQ(r.status, kAboveUpperBound) << p;
    EXPECT_TRUE(std::isnan(r.vol));
    EXPECT_NE(r.reason.find("upper bound"), std::string::npos) << r.reason;
  }
  for (double p : {0.0, -1.0}) {
    const auto r = implied_vol(call, p);
    EXPECT_EQ(r.status, kBelowLowerBound) << p;
    EXPECT_TRUE(std::isnan(r.vol));
    EXPECT_NE(r.reason.find("lower bound"), std::string::npos) << r.reason;
  }
  Option itm_put;  // strike 150 on forward 100: intrinsic 50 exp(-0.01)
  itm_put.put = true;
  itm_put.strike = 150;
  EXPECT_EQ(implied_vol(itm_put, 49).status, kBelowLowerBound);
  EXPECT_EQ(implied_vol(itm_put, 50 * std::exp(-0.01)).status, kBelowLowerBound);
  const auto ok = implied_vol(itm_put, 52);
  EXPECT_EQ(ok.status, kSolved);
  itm_put.vol = ok.vol;
  EXPECT_NEAR(autograd_greeks(itm_put)[kPrice], 52, 1e-10);
}

TEST(ImpliedVol, BsmWithDividend) {
  Option o;
  o.model = Model::bsm;
  o.dividend = 0.03;
  o.put = true;
  o.vol = 0.45;
  o.strike = 120;
  const auto r = implied_vol(o, autograd_greeks(o)[kPrice]);
  EXPECT_EQ(r.status, kSolved);
  EXPECT_NEAR(r.vol, 0.45, 1e-10);
}

TEST(ImpliedVol, WorksOnCudaWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(8);
  const auto batch = random_options(Model::bsm, 2000).to(torch::kCUDA);
  const auto r = implied_vol(batch, price(batch));
  const auto vega = autograd_greeks(batch)[kVega];
  const auto determined = (vega > 1e-3).cpu();
  const auto err = (r.vol - batch.vol).abs().cpu().index({determined});
  EXPECT_LE(err.max().item<double>(), 1e-10);
}
