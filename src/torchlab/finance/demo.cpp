#include "torchlab/finance/demo.h"

#include <cstdio>

#include "torchlab/finance/closed_form.h"
#include "torchlab/finance/greeks.h"
#include "torchlab/finance/implied_vol.h"
#include "torchlab/finance/report.h"

namespace torchlab::finance {

void greeks_demo(std::ostream& out, const torch::Device& device) {
  const Option seed;
  const auto values = autograd_greeks(seed, device);
  const auto closed = closed_form_greeks(seed);
  out << "Black-76 call, forward 100, strike 100, vol 0.3, 1 year, rate 0.01; float64, libtorch autograd "
         "(create_graph for gamma, vanna, volga):\n"
      << greeks_text(seed, values, false);
  char buf[200];
  std::snprintf(buf, sizeof buf, "check: largest relative difference to the closed forms %.1e (price and 7 Greeks)\n",
                max_relative_difference(values, closed, shown_greeks(seed.model, true)));
  out << buf;
  const auto iv = implied_vol(seed, values[kPrice], device);
  std::snprintf(buf, sizeof buf, "implied vol of price %.10f: %.10f (%lld Newton steps with the autograd vega)\n",
                values[kPrice], iv.vol, static_cast<long long>(iv.iterations));
  out << buf;
}

}  // namespace torchlab::finance
