#include "torchlab/finance/implied_vol.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "torchlab/finance/greeks.h"

namespace torchlab::finance {
namespace {

// Price and autograd vega of the options `rows` of `batch` at vols `sigma`.
std::pair<torch::Tensor, torch::Tensor> price_and_vega(OptionTensors rows, const torch::Tensor& sigma) {
  torch::AutoGradMode grad_on(true);
  rows.vol = sigma.detach().requires_grad_();
  const auto v = price(rows);
  auto vega = torch::autograd::grad({v}, {rows.vol}, {torch::ones_like(v)})[0];
  return {v.detach(), vega};
}

OptionTensors take(const OptionTensors& b, const torch::Tensor& idx) {
  auto t = [&](const torch::Tensor& x) { return x.index_select(0, idx); };
  return {b.model, t(b.underlying), t(b.strike), t(b.vol), t(b.time), t(b.rate), t(b.dividend), t(b.sign)};
}

std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

}  // namespace

ImpliedVolBatch implied_vol(const OptionTensors& batch, const torch::Tensor& target_in,
                            const ImpliedVolSettings& settings) {
  torch::NoGradGuard no_grad;
  const auto b = batch.contiguous();
  const auto target = target_in.to(b.underlying.options());
  const auto& S = b.underlying;
  const auto& K = b.strike;
  const auto& T = b.time;
  const bool black76 = b.model == Model::black76;
  // Discounted underlying and strike: the price lies strictly between the intrinsic value max(w (Sd - Kd), 0) and
  // Sd (call) or Kd (put), the limits as the vol goes to 0 and to infinity.
  const auto Kd = K * torch::exp(-b.rate * T);
  const auto Sd = S * torch::exp(-(black76 ? b.rate : b.dividend) * T);
  const auto call = b.sign > 0;
  ImpliedVolBatch out;
  out.lower = torch::clamp_min(b.sign * (Sd - Kd), 0.0);
  out.upper = torch::where(call, Sd, Kd);
  out.status = torch::full_like(target, kSolved, torch::kInt8);
  // A price within a few ulps of a bound is at it: the bounds' exps round differently from one libm (glibc, SLEEF,
  // MKL) to another, and no vol is pinned down by a time value that small anyway.
  const auto slack = 8 * std::numeric_limits<double>::epsilon() * torch::maximum(Sd, Kd);
  out.status.masked_fill_(target <= out.lower + slack, kBelowLowerBound);
  out.status.masked_fill_(target >= out.upper - slack, kAboveUpperBound);
  out.vol = torch::full_like(target, std::nan(""));
  out.iterations = torch::zeros_like(target, torch::kInt64);

  // Solve for the out-of-the-money side: by put-call parity an in-the-money option's price minus its intrinsic
  // value is the price of the opposite, out-of-the-money option at the same vol; that price lies in (0, U) with
  // U = Sd for a call, Kd for a put.
  auto otm = b;
  otm.sign = torch::where(b.sign * (Sd - Kd) > 0, -b.sign, b.sign);
  const auto time_value = target - out.lower;
  const auto cap = torch::where(otm.sign > 0, Sd, Kd);
  // Start at the inflection point of price(vol), sqrt(2 |log(Sd/Kd)| / T): price is convex below it and concave
  // above (Manaster & Koehler), so Newton's method on the price runs monotonically to a root above it. Near the
  // money that point is ~0 and the Brenner-Subrahmanyam estimate time value * sqrt(2 pi / T) / Sd takes its place.
  const auto inflection = torch::sqrt(2 * torch::abs(torch::log(Sd / Kd)) / T);
  const auto atm = time_value * std::sqrt(2 * M_PI) / (Sd * torch::sqrt(T));
  auto sigma = torch::maximum(inflection, atm).clamp(1e-4, settings.max_vol);

  auto idx = torch::nonzero(out.status == kSolved).flatten();
  auto lo = torch::zeros({idx.size(0)}, target.options());
  auto hi = torch::full({idx.size(0)}, INFINITY, target.options());
  sigma = sigma.index_select(0, idx);
  auto want = time_value.index_select(0, idx);
  auto log_want = torch::log(want / cap.index_select(0, idx));
  auto rows = take(otm, idx);
  auto rows_cap = cap.index_select(0, idx);
  torch::Tensor below;  // the root lies below the start: the flat, convex tail
  for (int it = 1; it <= settings.max_iterations && idx.size(0) > 0; ++it) {
    auto [v, vega] = price_and_vega(rows, sigma);
    const auto diff = v - want;
    if (it == 1) below = diff > 0;
    // Price is increasing in vol: the root lies below every vol priced too high, above every one priced too low.
    hi = torch::where(diff > 0, torch::minimum(hi, sigma), hi);
    lo = torch::where(diff <= 0, torch::maximum(lo, sigma), lo);
    // Newton's step on the price above the start; below it, on 1/log(price/U), which falls off like -vol^2 where the
    // price falls off like exp(-1/vol^2), so the steps stay a handful even far into the tail.
    const auto log_v = torch::log(v / rows_cap);
    const auto tail_step = (1 / log_v - 1 / log_want) / (-(vega / v) / (log_v * log_v));
    auto next = sigma - torch::where(below, tail_step, diff / vega);
    const auto converged = (((next - sigma).abs() <= settings.tolerance) & torch::isfinite(next)) | (diff == 0);
    const auto inside = (next >= lo) & (next <= hi) & torch::isfinite(next);
    const auto fallback = torch::where(torch::isfinite(hi), 0.5 * (lo + hi), 2 * sigma);
    next = torch::where(inside | converged, torch::where(diff == 0, sigma, next), fallback);
    const auto too_high = lo > settings.max_vol;
    const auto finished = converged | ((hi - lo) <= settings.tolerance) | too_high;
    out.iterations.index_fill_(0, idx, it);
    if (finished.any().item<bool>()) {
      const auto fin = torch::nonzero(finished).flatten();
      const auto fidx = idx.index_select(0, fin);
      out.vol.index_copy_(0, fidx, torch::where(too_high, std::nan(""), next).index_select(0, fin));
      out.status.index_copy_(
          0, fidx,
          torch::where(too_high, int8_t(kNotConverged), int8_t(kSolved)).to(torch::kInt8).index_select(0, fin));
      const auto keep = torch::nonzero(~finished).flatten();
      for (auto* t : {&idx, &next, &lo, &hi, &want, &log_want, &rows_cap, &below}) *t = t->index_select(0, keep);
      rows = take(rows, keep);
    }
    sigma = next;
  }
  if (idx.size(0) > 0) out.status.index_fill_(0, idx, int8_t(kNotConverged));
  return out;
}

ImpliedVolResult implied_vol(const Option& option, double target, const torch::Device& device,
                             const ImpliedVolSettings& settings) {
  const auto r = implied_vol(to_tensors(option.model, {option}, device),
                             torch::full({1}, target, torch::dtype(torch::kFloat64).device(device)), settings);
  ImpliedVolResult out;
  out.vol = r.vol.cpu()[0].item<double>();
  out.iterations = r.iterations.cpu()[0].item<int64_t>();
  out.status = static_cast<ImpliedVolStatus>(r.status.cpu()[0].item<int8_t>());
  out.lower = r.lower.cpu()[0].item<double>();
  out.upper = r.upper.cpu()[0].item<double>();
  if (out.status != kSolved) out.reason = implied_vol_reason(out.status, target, out.lower, out.upper, settings);
  return out;
}

std::string implied_vol_reason(ImpliedVolStatus status, double price, double lower, double upper,
                               const ImpliedVolSettings& settings) {
  switch (status) {
    case kSolved:
      return "";
    case kBelowLowerBound:
      return "price " + num(price) + " is at or below the no-arbitrage lower bound " + num(lower) +
             " (discounted intrinsic value): no positive vol";
    case kAboveUpperBound:
      return "price " + num(price) + " is at or above the no-arbitrage upper bound " + num(upper) +
             " (the price as vol goes to infinity)";
    case kNotConverged:
      return "no vol up to " + num(settings.max_vol) + " reaches price " + num(price) + " within " +
             std::to_string(settings.max_iterations) + " iterations";
  }
  return "";
}

}  // namespace torchlab::finance
