#pragma once
// The observer that stops a fit when a validation metric has not improved for `patience` validations. Its state
// lives in the Progress, so a resumed run goes on counting.
#include <string>

#include "torchlab/train/observer.h"

namespace torchlab::train {

struct EarlyStopping {
  std::string metric;  // empty = off; a validation metric name ("loss", "accuracy", ...)
  Mode mode = Mode::Min;
  int patience = 3;  // validations without improvement before stopping
  double min_delta = 0;
};

class EarlyStopper : public Observer {
 public:
  EarlyStopper(EarlyStopping rule, Progress& progress) : rule_(std::move(rule)), progress_(progress) {}
  void on_validation(const ValidationEvent& e) override;

 private:
  EarlyStopping rule_;
  Progress& progress_;
};

}  // namespace torchlab::train
