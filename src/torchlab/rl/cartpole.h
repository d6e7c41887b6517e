#pragma once
// CartPole with the dynamics, limits and 500-step cap of Gym's CartPole-v1 (Barto, Sutton & Anderson 1983; Euler
// integration, tau = 0.02 s), so a mean return of 475 means "solved" as RL users expect. State in double, observed as
// float32 like Gym.
#include <array>
#include <random>

#include "torchlab/rl/environment.h"

namespace torchlab::rl {

struct CartPoleParams {
  double gravity = 9.8;
  double masscart = 1.0;
  double masspole = 0.1;
  double length = 0.5;  // half the pole's length
  double force_mag = 10.0;
  double tau = 0.02;
  double theta_threshold = 12 * 2 * 3.14159265358979323846 / 360;  // 12 degrees
  double x_threshold = 2.4;
  int max_steps = 500;
};

class CartPole : public Environment {
 public:
  explicit CartPole(CartPoleParams params = {}) : p_(params) {}
  std::string name() const override { return "cartpole"; }
  int num_players() const override { return 1; }
  int observation_size() const override { return 4; }
  int num_actions() const override { return 2; }  // 0 pushes left, 1 pushes right
  void seed(uint64_t seed) override { rng_.seed(seed); }
  // Every state variable uniform in [-0.05, 0.05).
  void reset() override;
  bool done() const override { return terminated_ || steps_ >= p_.max_steps; }
  int current_player() const override { return 0; }
  uint32_t legal_mask() const override { return done() ? 0u : 3u; }
  // Reward 1 for every step, the failing one included; truncated at max_steps.
  StepOutcome step(int action) override;
  void observe(float* out) const override;

  // x, x_dot, theta, theta_dot.
  const std::array<double, 4>& state() const { return s_; }
  void set_state(const std::array<double, 4>& s) {
    s_ = s;
    steps_ = 0;
    terminated_ = false;
  }
  int steps() const { return steps_; }
  std::mt19937_64& engine() { return rng_; }
  const std::mt19937_64& engine() const { return rng_; }

 private:
  CartPoleParams p_;
  std::mt19937_64 rng_{0};
  std::array<double, 4> s_{};
  int steps_ = 0;
  bool terminated_ = false;
};

}  // namespace torchlab::rl
