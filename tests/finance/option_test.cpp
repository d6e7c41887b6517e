#include "torchlab/finance/option.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "torchlab/core/error.h"

using namespace torchlab::finance;
using torchlab::UserError;

namespace {

// The message of the UserError that validate throws, or "" when it accepts the option.
std::string problem(const Option& o) {
  try {
    validate(o, "", "--");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Option, DefaultIsTheSeedAndValid) {
  const Option o;
  EXPECT_EQ(o.model, Model::black76);
  EXPECT_EQ(problem(o), "");
}

TEST(Option, EachBadValueNamesItsField) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  struct Case {
    double Option::*field;
    double value;
    const char* expect;
  };
  const Case cases[] = {
      {&Option::vol, 0, "--vol is 0; it must be greater than 0"},
      {&Option::vol, -0.2, "--vol is -0.2; it must be greater than 0"},
      {&Option::time, 0, "--time is 0; it must be greater than 0"},
      {&Option::time, -1, "--time is -1; it must be greater than 0"},
      {&Option::strike, 0, "--strike is 0"},
      {&Option::strike, -5, "--strike is -5"},
      {&Option::underlying, 0, "--forward is 0"},
      {&Option::underlying, -100, "--forward is -100"},
      {&Option::vol, nan, "--vol is NaN"},
      {&Option::rate, nan, "--rate is NaN"},
      {&Option::time, inf, "--time is inf; give a finite number"},
      {&Option::underlying, -inf, "--forward is -inf"},
  };
  for (const auto& c : cases) {
    Option o;
    o.*c.field = c.value;
    EXPECT_NE(problem(o).find(c.expect), std::string::npos) << problem(o) << " | expected: " << c.expect;
  }
  Option bsm;
  bsm.model = Model::bsm;
  bsm.underlying = 0;
  EXPECT_NE(problem(bsm).find("--spot is 0"), std::string::npos);
  bsm.underlying = 100;
  bsm.dividend = nan;
  EXPECT_NE(problem(bsm).find("--dividend is NaN"), std::string::npos);
  bsm.dividend = -0.01;  // a negative yield is allowed (a borrow cost)
  EXPECT_EQ(problem(bsm), "");
}

TEST(Option, DividendOnlyForBsm) {
  Option o;
  o.dividend = 0.02;
  EXPECT_NE(problem(o).find("Black-Scholes-Merton only"), std::string::npos);
}

TEST(Option, ModelNames) {
  EXPECT_EQ(parse_model("black76"), Model::black76);
  EXPECT_EQ(parse_model("BSM"), Model::bsm);
  EXPECT_THROW(parse_model("heston"), UserError);
  EXPECT_EQ(greeks_of(Model::black76).size(), 8u);
  EXPECT_EQ(greeks_of(Model::bsm).size(), 9u);
}
