#include "finance_common.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "torchlab/core/error.h"

namespace torchlab::cli {

void add_option_flags(CLI::App& app, OptionFlags& f, bool with_vol) {
  f.model_opt = app.add_option("--model", f.model,
                               "black76 (on a forward, the default) or bsm (Black-Scholes-Merton on a spot with "
                               "continuous dividend yield)");
  f.forward_opt = app.add_option("--forward", f.forward, "forward price (Black-76)")->capture_default_str();
  f.spot_opt = app.add_option("--spot", f.spot, "spot price (bsm; implies --model bsm)")->capture_default_str();
  f.forward_opt->excludes(f.spot_opt);
  auto strike = app.add_option("--strike", f.strike, "strike")->capture_default_str();
  CLI::Option* vol = nullptr;
  if (with_vol) vol = app.add_option("--vol", f.vol, "volatility (annual, 0.3 = 30%)")->capture_default_str();
  auto time = app.add_option("--time", f.time, "years to expiry")->capture_default_str();
  auto rate = app.add_option("--rate", f.rate, "continuously compounded interest rate")->capture_default_str();
  f.dividend_opt =
      app.add_option("--dividend", f.dividend, "continuous dividend yield (bsm only)")->capture_default_str();
  auto put = app.add_flag("--put", f.put, "a put (default: a call)");
  f.single_opts = {f.forward_opt, f.spot_opt, strike, time, rate, f.dividend_opt, put};
  if (vol) f.single_opts.push_back(vol);
  app.add_option("--csv", f.csv, "price a CSV of options instead (columns: see the notes below)");
  app.add_option("--out", f.out, "output CSV for --csv (written whole, or not at all)");
  app.add_flag("--skip-invalid", f.skip_invalid,
               "with --csv: leave out invalid rows (listed on stderr) instead of failing");
  app.add_option("--chunk-rows", f.chunk_rows, "with --csv: rows per step (default 65536 on the CPU, 1M on CUDA)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--json", f.json, "machine-readable output");
  add_common(app, f.common);
}

finance::Option option_from_flags(const OptionFlags& f) {
  finance::Option o;
  const bool spot_given = f.spot_opt->count() > 0;
  if (f.model_opt->count() > 0)
    o.model = finance::parse_model(f.model);
  else
    o.model = spot_given ? finance::Model::bsm : finance::Model::black76;
  if (spot_given && o.model == finance::Model::black76)
    throw UserError("--spot is for --model bsm; Black-76 prices on a forward: give --forward");
  if (f.forward_opt->count() > 0 && o.model == finance::Model::bsm)
    throw UserError("--forward is for Black-76; --model bsm prices on a spot: give --spot");
  if (f.dividend_opt->count() > 0 && o.model == finance::Model::black76)
    throw UserError(
        "--dividend applies to Black-Scholes-Merton only (Black-76 prices on a forward); use --model bsm with --spot");
  o.underlying = o.model == finance::Model::bsm ? f.spot : f.forward;
  o.strike = f.strike;
  o.vol = f.vol;
  o.time = f.time;
  o.rate = f.rate;
  o.dividend = o.model == finance::Model::bsm ? f.dividend : 0.0;
  o.put = f.put;
  finance::validate(o, "", "--");
  return o;
}

finance::BatchJob batch_from_flags(const OptionFlags& f, const torch::Device& device) {
  for (auto* opt : f.single_opts)
    if (opt->count() > 0)
      throw UserError(opt->get_name() + " describes one option; with --csv every option comes from the file");
  if (f.out.empty()) throw UserError("--csv needs --out FILE for the results");
  finance::BatchJob job;
  job.input = f.csv;
  job.output = f.out;
  if (f.model_opt->count() > 0) job.model = finance::parse_model(f.model);
  job.method = finance::parse_method(f.method);
  job.skip_invalid = f.skip_invalid;
  job.device = device;
  job.chunk_rows = f.chunk_rows;
  if (std::filesystem::exists(job.input) && std::filesystem::exists(job.output) &&
      std::filesystem::equivalent(job.input, job.output))
    throw UserError("--out " + f.out + " is the input file; write the results elsewhere");
  return job;
}

void report_batch(const finance::BatchSummary& s, const OptionFlags& f, const std::string& what) {
  for (const auto& why : s.skipped_rows) std::cerr << "skipped " << why << "\n";
  if (s.skipped > static_cast<int64_t>(s.skipped_rows.size()))
    std::cerr << "... and " << s.skipped - static_cast<int64_t>(s.skipped_rows.size()) << " more invalid rows\n";
  if (s.skipped > 0) std::cerr << "skipped " << s.skipped << " invalid rows in total\n";
  if (f.json) {
    nlohmann::json j = {{"rows", s.rows},
                        {"skipped", s.skipped},
                        {"model", finance::model_name(s.model)},
                        {"output", f.out},
                        {"seconds", s.seconds}};
    if (what == "implied vols") j["unsolved"] = s.unsolved;
    std::cout << j.dump() << "\n";
    return;
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.2f s, %.0f rows/s", s.seconds, s.seconds > 0 ? s.rows / s.seconds : 0.0);
  std::cout << "wrote " << s.rows << " rows of " << what << " (" << finance::model_name(s.model) << ") to " << f.out
            << " in " << rate;
  if (s.unsolved > 0) std::cout << "; " << s.unsolved << " without a solution (see the reason column)";
  if (s.skipped > 0) std::cout << "; skipped " << s.skipped << " invalid rows";
  std::cout << "\n";
}

}  // namespace torchlab::cli
