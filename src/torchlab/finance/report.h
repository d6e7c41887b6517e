#pragma once
// How `torchlab greeks` shows one option: the seed's text layout, a closed-form comparison, JSON.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchlab/finance/option.h"

namespace torchlab::finance {

// The seed's three lines, four decimals:
//   price: 11.8049
//   delta: 0.5540, vega: 39.0554
//   gamma: 0.0130, vanna: 0.1953, volga: -2.9292
// and with `all` a fourth: theta, rho (and epsilon for BSM).
std::string greeks_text(const Option& option, const GreekValues& values, bool all);

// The Greeks greeks_text shows, in its order.
std::vector<int> shown_greeks(Model model, bool all);

// |a - b| / max(|a|, |b|), or the absolute difference when both are below 1e-12.
double relative_difference(double a, double b);
// Largest relative_difference over `greeks`.
double max_relative_difference(const GreekValues& a, const GreekValues& b, const std::vector<int>& greeks);

// A table of each Greek by autograd beside its closed form, and the largest relative difference.
std::string check_text(const GreekValues& autograd, const GreekValues& closed, const std::vector<int>& greeks);

// {"model", "type", inputs..., "greeks": {...}} with every Greek of the model at full precision.
nlohmann::json greeks_json(const Option& option, const GreekValues& values);

}  // namespace torchlab::finance
