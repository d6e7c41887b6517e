#include "torchlab/train/checkpointer.h"

#include <algorithm>

namespace torchlab::train {
namespace fs = std::filesystem;

Checkpointer::Checkpointer(const RunDir& run, CheckpointPolicy policy, Progress& progress, int64_t epochs, Save save)
    : run_(run), policy_(std::move(policy)), progress_(progress), epochs_(epochs), save_(std::move(save)) {}

void Checkpointer::on_step(const StepEvent& e) {
  if (policy_.every_steps > 0 && e.step % policy_.every_steps == 0) write();
}

void Checkpointer::on_validation(const ValidationEvent& e) { last_valid_ = e.metrics; }

void Checkpointer::on_epoch_end(const EpochEnd&) {
  if (policy_.every_epoch || progress_.epoch > epochs_ || progress_.stopped_early) write();
}

void Checkpointer::on_interrupt(const InterruptEvent& e) {
  if (written_step_ != e.step) write();
}

void Checkpointer::on_finish(const FinishEvent& e) {
  // A fit that ended mid-epoch (max_steps) still leaves a checkpoint of where it stopped.
  const auto list = run_.checkpoints();
  if (list.empty() || list.back() != run_.checkpoint_path(e.step)) write();
}

void Checkpointer::write() {
  // The best score is updated before anything is written, so that the step checkpoint carries it: a run resumed
  // from it compares later validations with this one. best.ckpt goes first; a kill between the two files leaves
  // the previous step checkpoint, whose resume reaches this validation again and rewrites the same best.ckpt.
  if (!policy_.best_metric.empty()) {
    auto it = last_valid_.find(policy_.best_metric);
    if (it != last_valid_.end() && (!progress_.has_best || improves(it->second, progress_.best, policy_.best_mode))) {
      progress_.best = it->second;
      progress_.has_best = true;
      save_(run_.checkpoints_dir() / "best.ckpt");
    }
  }
  save_(run_.checkpoint_path(progress_.step));
  written_step_ = progress_.step;
  const auto list = run_.checkpoints();
  const int keep = std::max(1, policy_.keep_last);
  for (size_t i = 0; i + keep < list.size(); ++i) fs::remove(list[i]);
}

}  // namespace torchlab::train
