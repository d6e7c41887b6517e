#pragma once
// One European option and the names of its Greeks: what every pricing path (autograd, closed form, scalar jets)
// takes and returns.
#include <array>
#include <string>
#include <vector>

namespace torchlab::finance {

// Black-76 prices on a forward (no dividend); Black-Scholes-Merton on a spot with a continuous dividend yield.
enum class Model { black76, bsm };

Model parse_model(const std::string& name);  // "black76" | "bsm" (case-insensitive); UserError otherwise
std::string model_name(Model model);
// "forward" for Black-76, "spot" for Black-Scholes-Merton: the name of the underlying's flag and CSV column.
std::string underlying_name(Model model);

struct Option {
  Model model = Model::black76;
  bool put = false;
  double underlying = 100;  // forward (Black-76) or spot (BSM)
  double strike = 100;
  double vol = 0.3;
  double time = 1;  // years to expiry
  double rate = 0.01;
  double dividend = 0;  // continuous yield, BSM only
};

// What is wrong with a value for a field that must be finite (and, when `positive`, greater than 0): "" when
// nothing, else e.g. "is NaN" or "is -0.2; it must be greater than 0" (`text` is how the value was written).
std::string value_problem(double value, bool positive, const std::string& text);

// Throws a UserError naming the field when a value is not finite, or vol/time/strike/underlying is not positive,
// or a Black-76 option has a dividend. `where` prefixes the message; `prefix` goes before each field name ("--").
void validate(const Option& option, const std::string& where = "", const std::string& prefix = "");

// The Greeks, in output order: first order, then second order. theta = -dV/dT (per year), rho = dV/dr,
// epsilon = dV/dq (BSM only), gamma = d2V/dS2, vanna = d2V/dS dvol, volga = d2V/dvol2.
enum Greek : int { kPrice, kDelta, kVega, kTheta, kRho, kEpsilon, kGamma, kVanna, kVolga, kNumGreeks };
const char* greek_name(int greek);
// The Greeks a model has, in output order (Black-76 has no epsilon).
std::vector<int> greeks_of(Model model);

using GreekValues = std::array<double, kNumGreeks>;

}  // namespace torchlab::finance
