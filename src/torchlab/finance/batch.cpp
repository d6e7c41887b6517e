#include "torchlab/finance/batch.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"
#include "torchlab/finance/closed_form.h"
#include "torchlab/finance/csv.h"
#include "torchlab/finance/greeks.h"
#include "torchlab/finance/parallel.h"

namespace torchlab::finance {
namespace {

// The columns the pipeline reads, in the order of OptionTensors' fields plus the price.
enum Col { kType, kUnderlying, kStrike, kVol, kTime, kRate, kDividend, kTarget, kCols };
constexpr int64_t kParseChunk = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct Layout {
  int at[kCols];  // the column's index in the file, -1 when absent
  std::vector<std::string> names;
  Model model = Model::black76;
  std::string file;
};

Layout map_columns(const CsvReader& in, const BatchJob& job, bool want_vol, bool want_price) {
  Layout L;
  L.names = in.header();
  L.file = in.name();
  std::fill(std::begin(L.at), std::end(L.at), -1);
  int forward = -1, spot = -1;
  auto found = [&](int& slot, int i, const std::string& name) {
    if (slot >= 0)
      throw UserError(L.file + ": the header names the " + name + " column twice (columns " + std::to_string(slot + 1) +
                      " and " + std::to_string(i + 1) + ")");
    slot = i;
  };
  for (int i = 0; i < static_cast<int>(L.names.size()); ++i) {
    const auto n = lower(L.names[i]);
    if (n == "type")
      found(L.at[kType], i, "type");
    else if (n == "forward")
      found(forward, i, "forward");
    else if (n == "spot")
      found(spot, i, "spot");
    else if (n == "strike")
      found(L.at[kStrike], i, "strike");
    else if (n == "vol" || n == "volatility" || n == "sigma")
      found(L.at[kVol], i, "vol");
    else if (n == "time" || n == "expiry" || n == "maturity")
      found(L.at[kTime], i, "time");
    else if (n == "rate")
      found(L.at[kRate], i, "rate");
    else if (n == "dividend" || n == "dividend_yield")
      found(L.at[kDividend], i, "dividend");
    else if (n == "price")
      found(L.at[kTarget], i, "price");
  }
  std::string columns;
  for (const auto& n : L.names) columns += (columns.empty() ? "" : ", ") + n;
  if (forward >= 0 && spot >= 0)
    throw UserError(L.file +
                    " has both a forward and a spot column; keep forward (Black-76) or spot (Black-Scholes-Merton)");
  if (forward < 0 && spot < 0) throw UserError(L.file + " has no forward or spot column (header: " + columns + ")");
  L.at[kUnderlying] = forward >= 0 ? forward : spot;
  L.model = job.model.value_or(forward >= 0 ? Model::black76 : Model::bsm);
  if (forward >= 0 && L.model == Model::bsm)
    throw UserError(
        L.file +
        " has a forward column but --model bsm prices on a spot; rename the column to spot, or use --model black76");
  if (spot >= 0 && L.model == Model::black76)
    throw UserError(
        L.file +
        " has a spot column but --model black76 prices on a forward; rename the column to forward, or use --model bsm");
  if (L.at[kDividend] >= 0 && L.model == Model::black76)
    throw UserError(L.file + " has a dividend column, which only Black-Scholes-Merton (--model bsm, spot column) uses");
  const std::pair<Col, const char*> required[] = {{kType, "type"}, {kStrike, "strike"}, {kVol, "vol"},
                                                  {kTime, "time"}, {kRate, "rate"},     {kTarget, "price"}};
  for (const auto& [c, name] : required) {
    if (c == kVol && !want_vol) continue;
    if (c == kTarget && !want_price) continue;
    if (L.at[c] < 0) throw UserError(L.file + " has no " + name + " column (header: " + columns + ")");
  }
  if (!want_vol) L.at[kVol] = -1;  // passed through, not read
  if (want_price == false && L.at[kTarget] >= 0)
    throw UserError(L.file + " has a price column, which the output adds; rename it (e.g. market_price)");
  return L;
}

// Parses one row into vals[kCols] (sign for the type); returns what is wrong, or "".
std::string parse_row(std::string_view line, const Layout& L, double* vals, std::vector<std::string_view>& fields) {
  split_csv(line, fields);
  if (fields.size() != L.names.size())
    return "has " + std::to_string(fields.size()) + " columns; the header has " + std::to_string(L.names.size());
  const auto col = [&](int c) { return "column \"" + L.names[L.at[c]] + "\" "; };
  const auto type = lower(fields[L.at[kType]]);
  if (type == "call" || type == "c")
    vals[kType] = 1;
  else if (type == "put" || type == "p")
    vals[kType] = -1;
  else
    return col(kType) + "is '" + std::string(fields[L.at[kType]]) + "'; expected call or put";
  for (int c = kUnderlying; c < kCols; ++c) {
    if (L.at[c] < 0) {
      vals[c] = 0;
      continue;
    }
    std::string_view text = fields[L.at[c]];
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), vals[c]);
    if (digits.empty() || ec == std::errc::invalid_argument || end != digits.data() + digits.size())
      return col(c) + "is '" + std::string(text) + "', not a number";
    if (ec == std::errc::result_out_of_range) return col(c) + "is " + std::string(text) + ", out of float64's range";
    const bool positive = c == kUnderlying || c == kStrike || c == kVol || c == kTime;
    const auto problem = value_problem(vals[c], positive, std::string(text));
    if (!problem.empty()) return col(c) + problem;
  }
  return "";
}

// The valid rows of one chunk, column by column.
struct Parsed {
  std::vector<double> cols[kCols];
  std::vector<std::string_view> rows;  // the valid rows' text, for the output
  std::vector<std::string> errors;     // "file row R (line L): what"
};

Parsed parse_chunk(const CsvChunk& chunk, const Layout& L) {
  const int64_t m = static_cast<int64_t>(chunk.rows.size());
  std::vector<double> vals(static_cast<size_t>(m) * kCols);
  std::vector<std::string> problems(m);
  for_each_chunk(m, kParseChunk, [&](int64_t begin, int64_t end) {
    std::vector<std::string_view> fields;
    for (int64_t i = begin; i < end; ++i) problems[i] = parse_row(chunk.rows[i], L, &vals[i * kCols], fields);
  });
  Parsed p;
  for (auto& c : p.cols) c.reserve(m);
  p.rows.reserve(m);
  for (int64_t i = 0; i < m; ++i) {
    if (!problems[i].empty()) {
      p.errors.push_back(L.file + " row " + std::to_string(chunk.first_row + i) + " (line " +
                         std::to_string(chunk.lines[i]) + "): " + problems[i]);
      continue;
    }
    for (int c = 0; c < kCols; ++c) p.cols[c].push_back(vals[i * kCols + c]);
    p.rows.push_back(chunk.rows[i]);
  }
  return p;
}

OptionTensors to_batch(const Parsed& p, Model model, const torch::Device& device) {
  const auto n = static_cast<int64_t>(p.rows.size());
  // Copied by hand: a libtorch copy of this size would wake the OpenMP pool, whose threads then spin while the
  // chunk's own worker threads need the cores.
  auto cols = torch::empty({kCols, n}, torch::kFloat64);
  for (int c = 0; c < kCols; ++c) std::copy(p.cols[c].begin(), p.cols[c].end(), cols[c].data_ptr<double>());
  if (!device.is_cpu()) cols = cols.to(device);
  return {model, cols[kUnderlying], cols[kStrike], cols[kVol], cols[kTime], cols[kRate], cols[kDividend], cols[kType]};
}

void append_number(std::string& out, double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Formats row i of the output: the input row as it was, then the fields that `extra(i, out)` appends.
template <typename Extra>
std::string format_rows(const Parsed& p, const Extra& extra) {
  const int64_t n = static_cast<int64_t>(p.rows.size());
  const int64_t parts = (n + kParseChunk - 1) / kParseChunk;
  std::vector<std::string> text(parts);
  for_each_chunk(n, kParseChunk, [&](int64_t begin, int64_t end) {
    auto& s = text[begin / kParseChunk];
    s.reserve((end - begin) * 200);
    for (int64_t i = begin; i < end; ++i) {
      s.append(p.rows[i]);
      extra(i, s);
      s += '\n';
    }
  });
  std::string out;
  size_t total = 0;
  for (const auto& s : text) total += s.size();
  out.reserve(total);
  for (const auto& s : text) out += s;
  return out;
}

// Reads, checks, computes and writes chunk by chunk; `compute(parsed, model)` returns the chunk's output text.
template <typename Header, typename Compute>
BatchSummary run_csv(const BatchJob& job, bool want_vol, bool want_price, const Header& added_header,
                     const Compute& compute) {
  const auto start = std::chrono::steady_clock::now();
  check_output_path(job.output);  // a bad destination fails before any work
  CsvReader in(job.input);
  const Layout L = map_columns(in, job, want_vol, want_price);
  BatchSummary summary;
  summary.model = L.model;
  AtomicFile out(job.output);
  out.write(in.header_line() + added_header(L.model) + "\n");
  const int64_t chunk_rows = job.chunk_rows > 0 ? job.chunk_rows : job.device.is_cpu() ? 65536 : 1 << 20;
  CsvChunk chunk;
  while (in.next(chunk_rows, chunk)) {
    const Parsed p = parse_chunk(chunk, L);
    if (!p.errors.empty()) {
      if (!job.skip_invalid)
        throw UserError(p.errors.front() + " (fix the row, or pass --skip-invalid to leave invalid rows out)");
      summary.skipped += static_cast<int64_t>(p.errors.size());
      for (const auto& e : p.errors)
        if (summary.skipped_rows.size() < kMaxListed) summary.skipped_rows.push_back(e);
    }
    if (p.rows.empty()) continue;
    out.write(compute(p, L.model, summary));
    summary.rows += static_cast<int64_t>(p.rows.size());
  }
  out.commit();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace

Method parse_method(const std::string& name) {
  const auto n = lower(name);
  if (n == "autograd") return Method::autograd;
  if (n == "closed-form" || n == "closed_form" || n == "closedform") return Method::closed_form;
  if (n == "jet" || n == "jets") return Method::jet;
  throw UserError("unknown method '" + name + "': expected autograd, closed-form or jet");
}

std::string method_name(Method method) {
  switch (method) {
    case Method::autograd:
      return "autograd";
    case Method::closed_form:
      return "closed-form";
    case Method::jet:
      return "jet";
  }
  return "";
}

BatchSummary greeks_csv(const BatchJob& job) {
  const auto header = [](Model model) {
    std::string h;
    for (int g : greeks_of(model)) h += std::string(",") + greek_name(g);
    return h;
  };
  return run_csv(job, true, false, header, [&](const Parsed& p, Model model, BatchSummary&) {
    const auto batch = to_batch(p, model, job.device);
    const auto greeks = (job.method == Method::autograd      ? autograd_greeks(batch)
                         : job.method == Method::closed_form ? closed_form_greeks(batch)
                                                             : jet_greeks(batch))
                            .cpu()
                            .contiguous();
    const int64_t n = greeks.size(1);
    const double* g = greeks.data_ptr<double>();
    const auto which = greeks_of(model);
    return format_rows(p, [&](int64_t i, std::string& s) {
      for (int k : which) {
        s += ',';
        append_number(s, g[k * n + i]);
      }
    });
  });
}

BatchSummary implied_vol_csv(const BatchJob& job, const ImpliedVolSettings& settings) {
  const auto header = [](Model) { return std::string(",implied_vol,iterations,reason"); };
  return run_csv(job, false, true, header, [&](const Parsed& p, Model model, BatchSummary& summary) {
    const auto batch = to_batch(p, model, job.device);
    const auto target = torch::from_blob(const_cast<double*>(p.cols[kTarget].data()),
                                         {static_cast<int64_t>(p.rows.size())}, torch::kFloat64)
                            .to(job.device);
    const auto r = implied_vol(batch, target, settings);
    const auto vol = r.vol.cpu().contiguous(), its = r.iterations.cpu().contiguous(), st = r.status.cpu().contiguous(),
               lo = r.lower.cpu().contiguous(), hi = r.upper.cpu().contiguous();
    const double* v = vol.data_ptr<double>();
    const int64_t* it = its.data_ptr<int64_t>();
    const int8_t* s = st.data_ptr<int8_t>();
    const double* l = lo.data_ptr<double>();
    const double* u = hi.data_ptr<double>();
    for (int64_t i = 0; i < vol.size(0); ++i) summary.unsolved += s[i] != kSolved;
    return format_rows(p, [&](int64_t i, std::string& out) {
      out += ',';
      if (s[i] == kSolved) append_number(out, v[i]);
      out += ',';
      append_number(out, static_cast<double>(it[i]));
      out += ',';
      if (s[i] != kSolved)
        out += csv_field(
            implied_vol_reason(static_cast<ImpliedVolStatus>(s[i]), p.cols[kTarget][i], l[i], u[i], settings));
    });
  });
}

}  // namespace torchlab::finance
