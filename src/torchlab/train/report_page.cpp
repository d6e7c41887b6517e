// report.html: header, one chart per metric at fixed positions, final metrics, config, samples.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "torchlab/core/error.h"
#include "torchlab/train/report.h"
#include "torchlab/train/report_samples.h"
#include "torchlab/train/svg_chart.h"

namespace torchlab::train {
namespace {

using nlohmann::json;

constexpr int kHeaderHeight = 72;
constexpr int kChartLeft = 24, kChartTop = kHeaderHeight + 8, kChartWidth = 560, kChartHeight = 320, kChartGap = 20;
constexpr int kChartColumns = 2;

const char* const kStyle = R"(
body{margin:0;background:#fff;color:#222;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}
header{height:72px;box-sizing:border-box;padding:12px 24px;overflow:hidden;border-bottom:1px solid #e4e4e4}
header h1{margin:0;font-size:22px}
header p{margin:2px 0 0;color:#666}
.charts{position:relative}
.charts figure{position:absolute;margin:0}
section.text{padding:0 24px 8px}
h2{font-size:18px;margin:24px 0 8px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:4px 0 12px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f7f7;border:1px solid #e4e4e4;padding:8px;white-space:pre-wrap;max-width:1140px}
.images{display:flex;flex-wrap:wrap;gap:10px}
.images figure{margin:0;font-size:12px;color:#555}
.images img{image-rendering:pixelated;border:1px solid #ddd;display:block;margin:0 auto 2px}
.images figcaption{text-align:center}
)";

bool is_key_column(const std::string& key) { return key == "step" || key == "epoch" || key == "split"; }

std::string split_of(const json& row) {
  return row.contains("split") && row["split"].is_string() ? row["split"].get<std::string>() : "train";
}

std::string split_color(const std::string& split, size_t other_index) {
  if (split == "train") return "#1f77b4";
  if (split == "valid") return "#ff7f0e";
  if (split == "eval") return "#2ca02c";
  static const char* const others[] = {"#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
  return others[other_index % 5];
}

// train, valid, eval first, then other splits in order of appearance.
std::vector<std::string> split_order(const std::vector<json>& rows) {
  std::vector<std::string> seen;
  for (const auto& row : rows) {
    const auto s = split_of(row);
    if (std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
  }
  std::vector<std::string> order;
  for (const char* known : {"train", "valid", "eval"})
    if (std::find(seen.begin(), seen.end(), known) != seen.end()) order.push_back(known);
  for (const auto& s : seen)
    if (std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
  return order;
}

// Metric names (numeric values other than step/epoch/split) in order of appearance, "loss" first.
std::vector<std::string> metric_order(const std::vector<json>& rows) {
  std::vector<std::string> names;
  for (const auto& row : rows)
    for (const auto& [k, v] : row.items())
      if (!is_key_column(k) && v.is_number() && std::find(names.begin(), names.end(), k) == names.end())
        names.push_back(k);
  auto loss = std::find(names.begin(), names.end(), "loss");
  if (loss != names.end()) std::rotate(names.begin(), loss, loss + 1);
  return names;
}

std::string cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

void flatten(const json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else {
    out.emplace_back(prefix, cell(j));
  }
}

std::string charts_section(const std::vector<json>& rows) {
  const auto metrics = metric_order(rows);
  const auto splits = split_order(rows);
  std::ostringstream o;
  if (metrics.empty()) return "<section class=\"text\"><p>No metrics logged yet.</p></section>\n";
  const int chart_rows = static_cast<int>((metrics.size() + kChartColumns - 1) / kChartColumns);
  o << "<section class=\"charts\" style=\"height:"
    << kChartTop - kHeaderHeight + chart_rows * (kChartHeight + kChartGap) << "px\">\n";
  for (size_t m = 0; m < metrics.size(); ++m) {
    std::vector<ChartSeries> series;
    size_t others = 0;
    for (const auto& split : splits) {
      ChartSeries s{split, "", {}};
      s.color = split_color(split, split == "train" || split == "valid" || split == "eval" ? 0 : others++);
      for (const auto& row : rows)
        if (split_of(row) == split && row.contains(metrics[m]) && row[metrics[m]].is_number())
          s.points.emplace_back(row["step"].get<double>(), row[metrics[m]].get<double>());
      // Rows are in logging order; a stable sort by step keeps a resumed run's line going forward.
      std::stable_sort(s.points.begin(), s.points.end(), [](auto& a, auto& b) { return a.first < b.first; });
      if (!s.points.empty()) series.push_back(std::move(s));
    }
    const ChartBox box = report_chart_box(m);
    o << "<figure style=\"left:" << box.x << "px;top:" << box.y - kHeaderHeight << "px\">"
      << svg_line_chart(metrics[m], "step", series, box.width, box.height) << "</figure>\n";
  }
  o << "</section>\n";
  return o.str();
}

std::string final_metrics_table(const std::vector<json>& rows) {
  const auto metrics = metric_order(rows);
  std::ostringstream o;
  o << "<h2>Final metrics</h2>\n";
  if (rows.empty()) return o.str() + "<p>No metrics logged yet.</p>\n";
  o << "<table class=\"final\"><tr><th>split</th><th>step</th><th>epoch</th>";
  for (const auto& m : metrics) o << "<th>" << html_escape(m) << "</th>";
  o << "</tr>\n";
  for (const auto& split : split_order(rows)) {
    const json* last = nullptr;
    for (const auto& row : rows)
      if (split_of(row) == split) last = &row;
    o << "<tr><td>" << html_escape(split) << "</td>";
    for (const char* key : {"step", "epoch"})
      o << "<td class=\"num\">" << (last->contains(key) ? html_escape(cell((*last)[key])) : "") << "</td>";
    for (const auto& m : metrics)
      o << "<td class=\"num\">" << (last->contains(m) ? html_escape(cell((*last)[m])) : "") << "</td>";
    o << "</tr>\n";
  }
  o << "</table>\n";
  return o.str();
}

std::string config_table(const json& config) {
  std::vector<std::pair<std::string, std::string>> entries;
  flatten(config, "", entries);
  std::ostringstream o;
  o << "<h2>Configuration</h2>\n<table class=\"config\">\n";
  for (const auto& [k, v] : entries)
    o << "<tr><th>" << html_escape(k) << "</th><td><code>" << html_escape(v) << "</code></td></tr>\n";
  o << "</table>\n";
  return o.str();
}

}  // namespace

ChartBox report_chart_box(size_t index) {
  const int col = static_cast<int>(index % kChartColumns), row = static_cast<int>(index / kChartColumns);
  return {kChartLeft + col * (kChartWidth + kChartGap), kChartTop + row * (kChartHeight + kChartGap), kChartWidth,
          kChartHeight};
}

std::string render_report(const std::string& run_name, const nlohmann::json& config,
                          const std::vector<nlohmann::json>& metrics, const std::filesystem::path& samples_dir) {
  for (size_t i = 0; i < metrics.size(); ++i)
    if (!metrics[i].is_object() || !metrics[i].contains("step") || !metrics[i]["step"].is_number())
      throw UserError("metrics.jsonl row " + std::to_string(i + 1) + " of run " + run_name +
                      " has no numeric \"step\": every row needs step, epoch and split (rewrite or delete the row)");
  const auto names = metric_order(metrics);
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>torchlab report: "
    << html_escape(run_name) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  o << "<header><h1>" << html_escape(run_name) << "</h1><p>torchlab run report · " << metrics.size()
    << " metric rows · " << names.size() << (names.size() == 1 ? " chart" : " charts") << "</p></header>\n";
  o << charts_section(metrics);
  o << "<section class=\"text\">\n" << final_metrics_table(metrics) << config_table(config);
  o << samples_section(samples_dir) << "</section>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace torchlab::train
