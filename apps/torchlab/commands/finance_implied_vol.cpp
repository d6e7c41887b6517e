#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "finance_common.h"
#include "torchlab/core/error.h"
#include "torchlab/finance/greeks.h"
#include "torchlab/finance/implied_vol.h"
#include "torchlab/finance/report.h"

namespace torchlab::cli {
namespace {

struct ImpliedVolFlags : OptionFlags {
  double price = 0;
  CLI::Option* price_opt = nullptr;
  finance::ImpliedVolSettings settings;
};

void run_single(const ImpliedVolFlags& f, const torch::Device& device) {
  if (f.price_opt->count() == 0) throw UserError("give the option's --price (or --csv FILE with a price column)");
  if (!std::isfinite(f.price)) throw UserError("--price is " + std::to_string(f.price) + "; give a finite number");
  auto option = option_from_flags(f);
  const auto r = finance::implied_vol(option, f.price, device, f.settings);
  double repriced = NAN;
  if (r.status == finance::kSolved) {
    option.vol = r.vol;
    repriced = finance::autograd_greeks(option, device)[finance::kPrice];
  }
  if (f.json) {
    nlohmann::json j = finance::greeks_json(option, {});
    j.erase("greeks");
    j.erase("vol");
    j["price"] = f.price;
    j["implied_vol"] = r.status == finance::kSolved ? nlohmann::json(r.vol) : nlohmann::json(nullptr);
    j["iterations"] = r.iterations;
    j["reason"] = r.reason;
    j["lower_bound"] = r.lower;
    j["upper_bound"] = r.upper;
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (r.status != finance::kSolved) {
    std::cout << "implied vol: none (" << r.reason << ")\n";
    return;
  }
  char buf[200];
  std::snprintf(buf, sizeof buf, "implied vol: %.10f\niterations: %lld, price at that vol: %.10g (target %.10g)\n",
                r.vol, static_cast<long long>(r.iterations), repriced, f.price);
  std::cout << buf;
}

void run(const ImpliedVolFlags& f) {
  const auto device = apply_common(f.common);
  if (f.csv.empty()) {
    run_single(f, device);
    return;
  }
  if (f.price_opt->count() > 0)
    throw UserError("--price describes one option; with --csv the prices come from the file");
  report_batch(finance::implied_vol_csv(batch_from_flags(f, device), f.settings), f, "implied vols");
}

Register reg(
    "implied-vol", "Implied volatility from a price: Newton's method with the autograd vega, safeguarded by bisection",
    [](CLI::App& app) {
      auto f = std::make_shared<ImpliedVolFlags>();
      add_option_flags(app, *f, false);
      f->price_opt = app.add_option("--price", f->price, "the option's price");
      app.add_option("--tolerance", f->settings.tolerance, "stop when a step moves the vol less than this")
          ->capture_default_str()
          ->check(CLI::PositiveNumber);
      app.add_option("--max-iterations", f->settings.max_iterations, "give up after this many steps")
          ->capture_default_str()
          ->check(CLI::PositiveNumber);
      app.footer(
          "A price outside the no-arbitrage bounds (at or below the discounted intrinsic value, or at or above the\n"
          "discounted forward/spot for a call, strike for a put) has no implied vol: reported as none, with why.\n"
          "CSV (--csv IN --out OUT): columns as for `torchlab greeks --csv` with price instead of vol; the output\n"
          "adds implied_vol (empty when none), iterations and reason.");
      app.callback([f] { run(*f); });
    },
    21);

}  // namespace
}  // namespace torchlab::cli
