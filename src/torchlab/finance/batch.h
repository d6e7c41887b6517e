#pragma once
// CSV in, CSV out: `torchlab greeks --csv` and `torchlab implied-vol --csv`.
#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "torchlab/finance/implied_vol.h"
#include "torchlab/finance/option.h"

namespace torchlab::finance {

// How Greeks are computed: libtorch reverse-mode autograd (the default), the closed forms, or forward-mode AD on
// doubles (jets, one option at a time on the CPU threads).
enum class Method { autograd, closed_form, jet };
Method parse_method(const std::string& name);  // "autograd" | "closed-form" | "jet"
std::string method_name(Method method);

struct BatchJob {
  std::filesystem::path input, output;
  std::optional<Model> model;  // --model; when absent, the underlying column decides (forward: black76, spot: bsm)
  Method method = Method::autograd;
  bool skip_invalid = false;
  torch::Device device = torch::kCPU;
  int64_t chunk_rows = 0;  // rows per read/compute/write step; 0: 65536 on the CPU, 1 M on an accelerator
};

struct BatchSummary {
  Model model = Model::black76;
  int64_t rows = 0;                       // rows written
  int64_t unsolved = 0;                   // implied vol: rows with no solution (empty value, reason given)
  int64_t skipped = 0;                    // invalid rows left out (--skip-invalid)
  std::vector<std::string> skipped_rows;  // why, for the first kMaxListed of them
  double seconds = 0;
};
constexpr int kMaxListed = 100;

// Input columns (header names, any order, case-insensitive): type (call/put), forward or spot, strike, vol, time,
// rate, optional dividend (bsm); any other column (id, ...) passes through. The output has every input row as it
// was, then price and every Greek of the model. A bad row (wrong column count, not a number, NaN/inf, vol/time/
// strike/underlying <= 0, unknown type) is a UserError naming its row, line and column, and no output file
// appears; with skip_invalid it is left out and listed instead. Streams in chunks: memory stays bounded.
BatchSummary greeks_csv(const BatchJob& job);

// Same columns with a price column instead of vol (a vol column is passed through and ignored); the output adds
// implied_vol (empty when there is none), iterations and reason.
BatchSummary implied_vol_csv(const BatchJob& job, const ImpliedVolSettings& settings = {});

}  // namespace torchlab::finance
