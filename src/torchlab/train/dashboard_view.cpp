#include "torchlab/train/dashboard_view.h"

#include <sstream>

namespace torchlab::train {

namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

}  // namespace

DashboardView::DashboardView(DashboardViewOptions options)
    : options_(std::move(options)), dashboard_(options_.quiet), start_(Clock::now()), last_draw_(start_) {
  view_.run = options_.run;
  view_.device = options_.device;
  view_.unit = options_.unit;
  view_.epochs = options_.epochs;
  view_.max_steps = options_.max_steps;
}

void DashboardView::on_fit_start(const FitStart& e) {
  view_.steps_per_epoch = e.batches_per_epoch;
  view_.first_step = e.first_step;  // throughput and ETA count this process's steps only
  view_.global_step = e.first_step;
  start_ = Clock::now();
  last_draw_ = start_ - std::chrono::seconds(1);
}

void DashboardView::on_step(const StepEvent& e) {
  items_ += e.items;
  history_.push_back(e.loss);
  if (history_.size() > 200) history_.pop_front();
  const auto now = Clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  view_.epoch = e.epoch;
  view_.step_in_epoch = e.batch_in_epoch;
  view_.global_step = e.step;
  view_.loss = e.loss;
  view_.mean_loss = e.epoch_window.mean_loss();
  view_.elapsed_s = std::chrono::duration<double>(now - start_).count();
  view_.items_per_s = view_.elapsed_s > 0 ? items_ / view_.elapsed_s * options_.world_size : 0;
  view_.loss_history.assign(history_.begin(), history_.end());
  view_.metrics = e.epoch_window.means();
  view_.metrics.erase("loss");
  view_.last_valid = last_valid_;
  dashboard_.update(view_);
}

void DashboardView::on_validation(const ValidationEvent& e) { last_valid_ = e.metrics; }

void DashboardView::on_epoch_end(const EpochEnd& e) {
  if (!options_.epoch_line) return;
  std::string line = "Epoch: " + std::to_string(e.epoch) + ", loss: " + fixed(e.train_loss, 3);
  for (const auto& [k, v] : e.valid) line += ", val " + k + ": " + fixed(v, 4);
  dashboard_.message(line);
}

void DashboardView::on_message(const std::string& line) { dashboard_.message(line); }

void DashboardView::on_interrupt(const InterruptEvent&) { dashboard_.finish(); }

void DashboardView::on_finish(const FinishEvent& e) {
  view_.last_valid = e.last_valid;
  view_.global_step = e.step;
  dashboard_.update(view_);  // the final counters, whatever the rate limit skipped
  dashboard_.finish();
}

}  // namespace torchlab::train
