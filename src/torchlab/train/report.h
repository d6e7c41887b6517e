#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchlab/train/observer.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::train {

// Writes run.report_path(): one self-contained HTML file (no scripts, fonts or network) with an inline SVG line chart
// per metric over steps (train and valid series on one chart where both exist; one polyline point per
// metrics.jsonl row that has the metric), the config as a table, the final metrics, and the samples/ outputs
// (text, tables, images). Written atomically.
void write_report(const RunDir& run);

// The observer that writes the report when a fit finishes.
class ReportWriter : public Observer {
 public:
  explicit ReportWriter(const RunDir& run) : run_(run) {}
  void on_finish(const FinishEvent&) override { write_report(run_); }

 private:
  const RunDir& run_;
};

// The page write_report writes, from parts already read: the run's name, config.json, the metrics.jsonl rows and
// the samples folder (which may be missing). A malformed samples file or a row without a numeric "step" is a
// UserError naming it.
std::string render_report(const std::string& run_name, const nlohmann::json& config,
                          const std::vector<nlohmann::json>& metrics, const std::filesystem::path& samples_dir);

// The page layout is fixed so a screenshot can be checked: chart i (in page order, one per metric name) sits in
// this box, in CSS pixels from the top-left of the page, whenever the window is at least kReportMinWidth wide.
struct ChartBox {
  int x, y, width, height;
};
constexpr int kReportMinWidth = 1200;
ChartBox report_chart_box(size_t index);

}  // namespace torchlab::train
