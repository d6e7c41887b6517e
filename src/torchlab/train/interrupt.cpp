#include "torchlab/train/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace torchlab::train {
namespace {

std::atomic<bool> g_requested{false};
struct sigaction g_old_int, g_old_term;
int g_depth = 0;

extern "C" void on_signal(int) {
  if (g_requested.exchange(true)) {
    // Second signal: leave now. Restore the cursor in case a live view hid it.
    const char msg[] = "\033[?25h\ninterrupted again: exiting without a checkpoint\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  if (g_depth++ > 0) return;
  g_requested = false;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  if (--g_depth > 0) return;
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

bool interrupt_requested() { return g_requested.load(); }
void clear_interrupt() { g_requested = false; }

}  // namespace torchlab::train
