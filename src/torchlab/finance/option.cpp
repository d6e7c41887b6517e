#include "torchlab/finance/option.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "torchlab/core/error.h"

namespace torchlab::finance {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The shortest text that reads back as v (0.2, not 0.20000000000000001).
std::string show(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

void check(const std::string& where, const std::string& field, double value, bool positive) {
  const auto problem = value_problem(value, positive, show(value));
  if (!problem.empty()) throw UserError((where.empty() ? "" : where + ", ") + field + " " + problem);
}

}  // namespace

std::string value_problem(double value, bool positive, const std::string& text) {
  if (std::isnan(value)) return "is NaN; give a finite number";
  if (std::isinf(value)) return "is " + text + "; give a finite number";
  if (positive && !(value > 0)) return "is " + text + "; it must be greater than 0";
  return "";
}

Model parse_model(const std::string& name) {
  const auto n = lower(name);
  if (n == "black76" || n == "black-76" || n == "black") return Model::black76;
  if (n == "bsm" || n == "black-scholes" || n == "bs") return Model::bsm;
  throw UserError("unknown model '" + name + "': expected black76 (on a forward) or bsm (on a spot with dividend)");
}

std::string model_name(Model model) { return model == Model::black76 ? "black76" : "bsm"; }

std::string underlying_name(Model model) { return model == Model::black76 ? "forward" : "spot"; }

void validate(const Option& o, const std::string& where, const std::string& prefix) {
  check(where, prefix + underlying_name(o.model), o.underlying, true);
  check(where, prefix + "strike", o.strike, true);
  check(where, prefix + "vol", o.vol, true);
  check(where, prefix + "time", o.time, true);
  check(where, prefix + "rate", o.rate, false);
  check(where, prefix + "dividend", o.dividend, false);
  if (o.model == Model::black76 && o.dividend != 0)
    throw UserError(
        (where.empty() ? "" : where + ": ") +
        "a dividend applies to Black-Scholes-Merton only (Black-76 prices on a forward); use --model bsm with a spot");
}

const char* greek_name(int greek) {
  static const char* names[kNumGreeks] = {"price",   "delta", "vega",  "theta", "rho",
                                          "epsilon", "gamma", "vanna", "volga"};
  return names[greek];
}

std::vector<int> greeks_of(Model model) {
  std::vector<int> out;
  for (int g = 0; g < kNumGreeks; ++g)
    if (g != kEpsilon || model == Model::bsm) out.push_back(g);
  return out;
}

}  // namespace torchlab::finance
