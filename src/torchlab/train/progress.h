#pragma once
// The loop's position and scores, saved in every checkpoint, and what it reports at the end of an epoch.
#include <cstdint>
#include <map>
#include <string>

namespace torchlab::train {

enum class Mode { Min, Max };

inline bool improves(double value, double best, Mode mode, double min_delta = 0) {
  return mode == Mode::Min ? value < best - min_delta : value > best + min_delta;
}

struct Progress {
  int64_t epoch = 1;           // current epoch, 1-based
  int64_t batch_in_epoch = 0;  // batches of this epoch already done
  int64_t step = 0;            // optimizer steps done
  double best = 0;             // best value of the checkpointer's best_metric so far
  bool has_best = false;
  double es_best = 0;  // early-stopping state
  bool es_has_best = false;
  int es_bad = 0;
  bool stopped_early = false;
};

struct EpochEnd {
  int64_t epoch;
  int64_t step;
  double train_loss;                    // mean over the epoch
  std::map<std::string, double> valid;  // validation metrics ("loss", "accuracy", ...), empty without validation
};

}  // namespace torchlab::train
