#include "torchlab/dist/stop_agreement.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include "torchlab/train/interrupt.h"

namespace torchlab::dist {
namespace {

std::atomic<int> g_recorded{0};
void (*g_learner_handler)(int) = nullptr;

extern "C" void record_signal(int) {
  // A second signal leaves at once, as the Learner's own handler does.
  if (g_recorded.exchange(1) || train::interrupt_requested()) {
    const char msg[] = "\033[?25h\ninterrupted again: exiting without a checkpoint\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

}  // namespace

void arm_stop_agreement() {
  struct sigaction current {};
  ::sigaction(SIGINT, nullptr, &current);
  if (current.sa_handler == record_signal) return;
  if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) return;  // not inside fit
  g_learner_handler = current.sa_handler;
  g_recorded = 0;
  struct sigaction sa {};
  sa.sa_handler = record_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool local_stop_request() { return g_recorded.exchange(0) != 0 || train::interrupt_requested(); }

void apply_stop_agreement(bool any_rank) {
  if (!any_rank || train::interrupt_requested()) return;
  if (g_learner_handler) g_learner_handler(SIGINT);  // the Learner's handler: raises its flag (first signal)
}

}  // namespace torchlab::dist
