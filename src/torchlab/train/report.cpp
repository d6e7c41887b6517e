#include "torchlab/train/report.h"

#include "torchlab/core/atomic_file.h"

namespace torchlab::train {

void write_report(const RunDir& run) {
  write_file_atomic(run.report_path(), render_report(run.name(), run.config(), run.read_metrics(), run.samples_dir()));
}

}  // namespace torchlab::train
