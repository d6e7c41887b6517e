#pragma once
#include "torchlab/train/run_dir.h"

namespace torchlab::train {

// Writes run.report_path(): one self-contained HTML file (no scripts, fonts or network) with an inline SVG line chart
// per metric over steps (train and valid series on one chart where both exist; one polyline point per
// metrics.jsonl row that has the metric), the config as a table, the final metrics, and the samples/ outputs
// (text, tables, images). Written atomically.
void write_report(const RunDir& run);

}  // namespace torchlab::train
