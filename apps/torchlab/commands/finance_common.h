#pragma once
// Flags shared by `torchlab greeks` and `torchlab implied-vol`: one option from flags, or a CSV batch.
#include <memory>
#include <optional>
#include <string>

#include "torchlab/command.h"
#include "torchlab/finance/batch.h"
#include "torchlab/finance/option.h"

namespace torchlab::cli {

struct OptionFlags {
  std::string model;
  double forward = 100, spot = 100, strike = 100, vol = 0.3, time = 1, rate = 0.01, dividend = 0;
  bool put = false;
  std::string csv, out, method = "autograd";
  bool skip_invalid = false, json = false;
  int64_t chunk_rows = 0;
  CLI::Option *model_opt = nullptr, *forward_opt = nullptr, *spot_opt = nullptr, *dividend_opt = nullptr;
  std::vector<CLI::Option*> single_opts;  // flags that describe one option (not with --csv)
  Common common;
};

// Adds the option's flags (--model, --forward/--spot, --strike, [--vol], --time, --rate, --dividend, --put), the
// batch flags (--csv, --out, --skip-invalid, --chunk-rows), --json and the common flags.
void add_option_flags(CLI::App& app, OptionFlags& f, bool with_vol);

// The one option the flags describe (model inferred from --spot when --model is absent); a UserError when they
// contradict each other or a value is out of range.
finance::Option option_from_flags(const OptionFlags& f);

// The batch job the flags describe; a UserError when --out is missing or a single-option flag is given too.
finance::BatchJob batch_from_flags(const OptionFlags& f, const torch::Device& device);

// Prints how a batch went: rows written to stdout, the skipped rows (if any) to stderr.
void report_batch(const finance::BatchSummary& s, const OptionFlags& f, const std::string& what);

}  // namespace torchlab::cli
