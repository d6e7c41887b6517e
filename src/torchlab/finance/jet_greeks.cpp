#include "torchlab/finance/formula.h"
#include "torchlab/finance/greeks.h"
#include "torchlab/finance/jet.h"

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

}  // namespace torchlab::finance
