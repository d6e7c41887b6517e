#include "torchlab/train/metrics_log.h"

namespace torchlab::train {

void MetricsLog::on_log(const LogEvent& e) {
  nlohmann::json row = {{"step", e.step}, {"epoch", e.epoch}, {"split", "train"}};
  for (const auto& [k, v] : e.means) row[k] = v;
  if (e.items_per_s) row["items_per_s"] = *e.items_per_s;
  if (e.lr) row["lr"] = *e.lr;
  run_.append_metrics(row);
}

void MetricsLog::on_validation(const ValidationEvent& e) {
  nlohmann::json row = {{"step", e.step}, {"epoch", e.epoch}, {"split", "valid"}};
  for (const auto& [k, v] : e.metrics) row[k] = v;
  run_.append_metrics(row);
}

}  // namespace torchlab::train
