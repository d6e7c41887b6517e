#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::TempDir;
using testing_support::write_text;

namespace {
const std::string kFixtures = std::string(TORCHLAB_FIXTURES) + "/finance";
}

TEST(GreeksCli, DefaultPrintsTheSeedsThreeLines) {
  const auto r = run_cli("greeks");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "price: 11.8049\n"
            "delta: 0.5540, vega: 39.0554\n"
            "gamma: 0.0130, vanna: 0.1953, volga: -2.9292\n");
  EXPECT_EQ(r.err, "");
}

TEST(GreeksCli, OtherMethodsPrintTheSameSeedLines) {
  for (const char* method : {"closed-form", "jet"}) {
    const auto r = run_cli(std::string("greeks --method ") + method);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "price: 11.8049\ndelta: 0.5540, vega: 39.0554\ngamma: 0.0130, vanna: 0.1953, volga: -2.9292\n");
  }
}

TEST(GreeksCli, AllAndCheck) {
  const auto r = run_cli("greeks --all --check --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("price: 11.8049\n", 0), 0u);
  EXPECT_NE(r.out.find("theta: -5.7403, rho: -11.8049\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("closed form"), std::string::npos);
  const auto pos = r.out.find("max relative difference: ");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_LT(std::stod(r.out.substr(pos + 25)), 1e-12);
}

TEST(GreeksCli, BsmPutJson) {
  const auto r =
      run_cli("greeks --spot 100 --strike 110 --vol 0.25 --time 0.5 --rate 0.03 --dividend 0.02 --put --json --check");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "bsm");
  EXPECT_EQ(j["type"], "put");
  EXPECT_EQ(j["spot"], 100.0);
  for (const char* g : {"price", "delta", "vega", "theta", "rho", "epsilon", "gamma", "vanna", "volga"})
    EXPECT_TRUE(j["greeks"].contains(g)) << g;
  EXPECT_LT(j["greeks"]["delta"].get<double>(), 0);
  EXPECT_LT(j["max_rel_diff"].get<double>(), 1e-12);
}

TEST(GreeksCli, BadValuesExitTwoWithTheFlagNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"--vol 0", "--vol is 0"},
      {"--strike -1", "--strike is -1"},
      {"--vol nan", "--vol is NaN"},
      {"--rate inf", "--rate is inf"},
      {"--spot 100 --model black76", "--spot is for --model bsm"},
      {"--dividend 0.01", "--dividend applies to Black-Scholes-Merton only"},
      {"--model heston", "unknown model 'heston'"},
      {"--method magic", "unknown method 'magic'"},
      {"--csv x.csv", "--csv needs --out"},
      {"--csv x.csv --out y.csv --vol 0.2", "--vol describes one option"},
  };
  for (const auto& [args, expect] : cases) {
    const auto r = run_cli(std::string("greeks ") + args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_NE(r.err.find(expect), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos);
  }
}

TEST(GreeksCli, CsvBatchAndBadCsv) {
  TempDir tmp;
  const auto out = tmp / "greeks.csv";
  auto r = run_cli("greeks --csv " + kFixtures + "/options.csv --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 6 rows"), std::string::npos) << r.out;
  EXPECT_NE(read_text(out).find("seed,call,100,100,0.3,1,0.01,11.8048972839335"), std::string::npos) << read_text(out);

  write_text(tmp / "bad.csv", "type,forward,strike,vol,time,rate\ncall,100,100,0.3,1,0.01\nput,100,100,-0.3,1,0.01\n");
  const auto bad_out = tmp / "bad_out.csv";
  r = run_cli("greeks --csv " + (tmp / "bad.csv").string() + " --out " + bad_out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.csv row 2 (line 3): column \"vol\" is -0.3"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(bad_out));

  r = run_cli("greeks --csv " + (tmp / "bad.csv").string() + " --out " + bad_out.string() + " --skip-invalid");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped bad.csv row 2 (line 3)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 1 invalid rows in total"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("wrote 1 rows"), std::string::npos) << r.out;
}

TEST(ImpliedVolCli, SingleOptionAndNoSolution) {
  auto r = run_cli("implied-vol --price 11.804897283933527");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("implied vol: 0.3000000000\n", 0), 0u) << r.out;
  r = run_cli("implied-vol --price 150");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("implied vol: none (price 150 is at or above the no-arbitrage upper bound"), std::string::npos)
      << r.out;
  r = run_cli("implied-vol --price 150 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["implied_vol"].is_null());
  EXPECT_NE(j["reason"].get<std::string>().find("upper bound"), std::string::npos);
  r = run_cli("implied-vol");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--price"), std::string::npos);
  r = run_cli("implied-vol --price 10 --time -1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--time is -1"), std::string::npos);
}

TEST(ImpliedVolCli, Csv) {
  TempDir tmp;
  write_text(tmp / "p.csv",
             "type,spot,strike,time,rate,dividend,price\ncall,100,100,1,0.02,0.01,12.5\nput,100,100,1,0.02,0.01,-1\n");
  const auto r = run_cli("implied-vol --csv " + (tmp / "p.csv").string() + " --out " + (tmp / "iv.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto text = read_text(tmp / "iv.csv");
  EXPECT_EQ(text.rfind("type,spot,strike,time,rate,dividend,price,implied_vol,iterations,reason\n", 0), 0u) << text;
  EXPECT_NE(text.find("\ncall,100,100,1,0.02,0.01,12.5,0.3"), std::string::npos) << text;
  EXPECT_NE(text.find("\nput,100,100,1,0.02,0.01,-1,,"), std::string::npos) << text;
  EXPECT_NE(text.find("lower bound"), std::string::npos) << text;
}
