#include "torchlab/train/early_stopper.h"

namespace torchlab::train {

void EarlyStopper::on_validation(const ValidationEvent& e) {
  if (rule_.metric.empty()) return;
  auto it = e.metrics.find(rule_.metric);
  if (it == e.metrics.end()) return;
  if (!progress_.es_has_best || improves(it->second, progress_.es_best, rule_.mode, rule_.min_delta)) {
    progress_.es_best = it->second;
    progress_.es_has_best = true;
    progress_.es_bad = 0;
  } else if (++progress_.es_bad >= rule_.patience) {
    progress_.stopped_early = true;
  }
}

}  // namespace torchlab::train
