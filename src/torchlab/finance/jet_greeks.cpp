#include "torchlab/finance/buffers.h"
#include "torchlab/finance/formula.h"
#include "torchlab/finance/greeks.h"
#include "torchlab/finance/jet.h"
#include "torchlab/finance/parallel.h"

namespace torchlab::finance {

GreekValues jet_greeks(const Option& o) {
  // Inputs 0..4 = underlying, vol, time, rate, dividend; the Hessian covers the first two (gamma, vanna, volga).
  using J = Jet<5, 2>;
  const J S = J::variable(o.underlying, 0), vol = J::variable(o.vol, 1), t = J::variable(o.time, 2),
          r = J::variable(o.rate, 3), q = J::variable(o.dividend, 4);
  const double w = o.put ? -1.0 : 1.0;
  const J v = price_formula<J, double>(o.model == Model::black76, S, o.strike, vol, t, r, q, w);
  GreekValues out{};
  out[kPrice] = v.v;
  out[kDelta] = v.g[0];
  out[kVega] = v.g[1];
  out[kTheta] = -v.g[2];
  out[kRho] = v.g[3];
  out[kEpsilon] = o.model == Model::bsm ? v.g[4] : 0.0;
  out[kGamma] = v.hess(0, 0);
  out[kVanna] = v.hess(0, 1);
  out[kVolga] = v.hess(1, 1);
  return out;
}

torch::Tensor jet_greeks(const OptionTensors& batch) {
  const auto b = batch.to(torch::kCPU).contiguous();
  const int64_t n = b.size();
  auto out = empty_output(kNumGreeks, n, torch::kCPU);
  const double* S = b.underlying.data_ptr<double>();
  const double* K = b.strike.data_ptr<double>();
  const double* vol = b.vol.data_ptr<double>();
  const double* T = b.time.data_ptr<double>();
  const double* r = b.rate.data_ptr<double>();
  const double* q = b.dividend.data_ptr<double>();
  const double* w = b.sign.data_ptr<double>();
  double* o = out.data_ptr<double>();
  for_each_chunk(n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Option opt;
      opt.model = b.model;
      opt.underlying = S[i], opt.strike = K[i], opt.vol = vol[i], opt.time = T[i], opt.rate = r[i];
      opt.dividend = q[i], opt.put = w[i] < 0;
      const auto g = jet_greeks(opt);
      for (int k = 0; k < kNumGreeks; ++k) o[k * n + i] = g[k];
    }
  });
  return out.to(batch.device());
}

}  // namespace torchlab::finance
