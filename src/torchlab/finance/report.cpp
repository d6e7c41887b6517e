#include "torchlab/finance/report.h"

#include <cmath>
#include <cstdio>

namespace torchlab::finance {
namespace {

std::string fixed4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string line(const GreekValues& v, std::initializer_list<int> greeks) {
  std::string s;
  for (int g : greeks) s += (s.empty() ? "" : ", ") + std::string(greek_name(g)) + ": " + fixed4(v[g]);
  return s + "\n";
}

}  // namespace

std::string greeks_text(const Option& option, const GreekValues& v, bool all) {
  std::string s = line(v, {kPrice}) + line(v, {kDelta, kVega}) + line(v, {kGamma, kVanna, kVolga});
  if (all) s += option.model == Model::bsm ? line(v, {kTheta, kRho, kEpsilon}) : line(v, {kTheta, kRho});
  return s;
}

std::vector<int> shown_greeks(Model model, bool all) {
  std::vector<int> g = {kPrice, kDelta, kVega, kGamma, kVanna, kVolga};
  if (all) {
    g.push_back(kTheta);
    g.push_back(kRho);
    if (model == Model::bsm) g.push_back(kEpsilon);
  }
  return g;
}

double relative_difference(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  const double diff = std::abs(a - b);
  if (std::isnan(diff)) return diff;
  return scale < 1e-12 ? diff : diff / scale;
}

double max_relative_difference(const GreekValues& a, const GreekValues& b, const std::vector<int>& greeks) {
  double worst = 0;
  for (int g : greeks) {
    const double d = relative_difference(a[g], b[g]);
    if (std::isnan(d) || d > worst) worst = d;
  }
  return worst;
}

std::string check_text(const GreekValues& autograd, const GreekValues& closed, const std::vector<int>& greeks) {
  std::string s = "\ncheck against the closed forms (float64):\n";
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %-8s %24s %24s %10s\n", "greek", "autograd", "closed form", "rel diff");
  s += buf;
  for (int g : greeks) {
    std::snprintf(buf, sizeof buf, "  %-8s %24.16g %24.16g %10.1e\n", greek_name(g), autograd[g], closed[g],
                  relative_difference(autograd[g], closed[g]));
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "max relative difference: %.1e\n", max_relative_difference(autograd, closed, greeks));
  return s + buf;
}

nlohmann::json greeks_json(const Option& o, const GreekValues& v) {
  nlohmann::json j;
  j["model"] = model_name(o.model);
  j["type"] = o.put ? "put" : "call";
  j[underlying_name(o.model)] = o.underlying;
  j["strike"] = o.strike;
  j["vol"] = o.vol;
  j["time"] = o.time;
  j["rate"] = o.rate;
  if (o.model == Model::bsm) j["dividend"] = o.dividend;
  auto& g = j["greeks"] = nlohmann::json::object();
  for (int k : greeks_of(o.model)) g[greek_name(k)] = v[k];
  return j;
}

}  // namespace torchlab::finance
