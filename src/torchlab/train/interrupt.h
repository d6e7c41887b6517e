#pragma once

namespace torchlab::train {

// SIGINT/SIGTERM: the first sets a flag the training loop checks after each step (it checkpoints and exits 130);
// a second one exits at once with 130. Installed for the life of the guard.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

bool interrupt_requested();
void clear_interrupt();

}  // namespace torchlab::train
