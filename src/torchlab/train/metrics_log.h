#pragma once
// The observer that writes metrics.jsonl: a "train" row per log window (means, items/s, lr) and a "valid" row per
// validation, each with its step and epoch.
#include "torchlab/train/observer.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::train {

class MetricsLog : public Observer {
 public:
  explicit MetricsLog(const RunDir& run) : run_(run) {}
  void on_log(const LogEvent& e) override;
  void on_validation(const ValidationEvent& e) override;

 private:
  const RunDir& run_;
};

}  // namespace torchlab::train
