#include <iostream>
#include <memory>

#include "finance_common.h"
#include "torchlab/core/error.h"
#include "torchlab/finance/closed_form.h"
#include "torchlab/finance/demo.h"
#include "torchlab/finance/greeks.h"
#include "torchlab/finance/report.h"

namespace torchlab::cli {
namespace {

struct GreeksFlags : OptionFlags {
  bool all = false, check = false;
};

void run_single(const GreeksFlags& f, const torch::Device& device) {
  const auto option = option_from_flags(f);
  const auto method = finance::parse_method(f.method);
  const auto closed = finance::closed_form_greeks(option);
  const auto values = method == finance::Method::autograd ? finance::autograd_greeks(option, device)
                      : method == finance::Method::jet    ? finance::jet_greeks(option)
                                                          : closed;
  const auto shown = finance::shown_greeks(option.model, f.all);
  if (f.json) {
    auto j = finance::greeks_json(option, values);
    j["method"] = finance::method_name(method);
    j["device"] = device.str();
    if (f.check) {
      auto& c = j["closed_form"] = nlohmann::json::object();
      for (int g : finance::greeks_of(option.model)) c[finance::greek_name(g)] = closed[g];
      j["max_rel_diff"] = finance::max_relative_difference(values, closed, finance::greeks_of(option.model));
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << finance::greeks_text(option, values, f.all);
  if (f.check) std::cout << finance::check_text(values, closed, shown);
}

void run(const GreeksFlags& f) {
  const auto device = apply_common(f.common);
  if (f.csv.empty()) {
    run_single(f, device);
    return;
  }
  if (f.check || f.all) throw UserError("--check and --all are for one option; a --csv batch always has every Greek");
  report_batch(finance::greeks_csv(batch_from_flags(f, device)), f, "Greeks");
}

Register reg(
    "greeks",
    "Price and Greeks of a European option by libtorch autograd (Black-76 or Black-Scholes-Merton), one option or a "
    "CSV",
    [](CLI::App& app) {
      auto f = std::make_shared<GreeksFlags>();
      add_option_flags(app, *f, true);
      app.add_flag("--all", f->all, "also theta, rho (and epsilon = dV/ddividend for bsm)");
      app.add_flag("--check", f->check, "print the closed-form values beside and the largest relative difference");
      app.add_option("--method", f->method,
                     "autograd (libtorch reverse mode, the default), closed-form, or jet (forward-mode AD on "
                     "doubles, ~0.1 us an option)")
          ->capture_default_str();
      app.footer(
          "With no flags: the seed's Black-76 call (forward 100, strike 100, vol 0.3, 1 year, rate 0.01).\n"
          "Greeks: delta = dV/dS, vega = dV/dvol, theta = -dV/dT (per year), rho = dV/drate, epsilon = dV/ddividend,\n"
          "gamma = d2V/dS2, vanna = d2V/dS dvol, volga = d2V/dvol2 (S: forward for black76, spot for bsm).\n"
          "CSV (--csv IN --out OUT): header row with type (call/put), forward or spot, strike, vol, time, rate,\n"
          "optional dividend (bsm); other columns (id, ...) pass through. Output: each row, then price and every "
          "Greek.");
      app.callback([f] { run(*f); });
    },
    20);

RegisterDemo demo(
    "Option Greeks by autograd", [](const torch::Device& device) { finance::greeks_demo(std::cout, device); }, 20,
    "torchlab greeks --all --check");

}  // namespace
}  // namespace torchlab::cli
