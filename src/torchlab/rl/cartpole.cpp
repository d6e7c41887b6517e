#include "torchlab/rl/cartpole.h"

#include <cmath>

#include "torchlab/core/error.h"

namespace torchlab::rl {

void CartPole::reset() {
  std::uniform_real_distribution<double> u(-0.05, 0.05);
  for (double& v : s_) v = u(rng_);
  steps_ = 0;
  terminated_ = false;
}

StepOutcome CartPole::step(int action) {
  if (action != 0 && action != 1)
    throw UserError("cartpole: action " + std::to_string(action) + " is not 0 (push left) or 1 (push right)");
  if (done()) throw UserError("cartpole: the episode is over; reset before stepping again");
  auto [x, x_dot, theta, theta_dot] = s_;
  const double total_mass = p_.masspole + p_.masscart;
  const double polemass_length = p_.masspole * p_.length;
  const double force = action == 1 ? p_.force_mag : -p_.force_mag;
  const double cos_t = std::cos(theta), sin_t = std::sin(theta);
  const double temp = (force + polemass_length * theta_dot * theta_dot * sin_t) / total_mass;
  const double theta_acc =
      (p_.gravity * sin_t - cos_t * temp) / (p_.length * (4.0 / 3.0 - p_.masspole * cos_t * cos_t / total_mass));
  const double x_acc = temp - polemass_length * theta_acc * cos_t / total_mass;
  // Gym's "euler" integrator: positions move with the old velocities.
  x += p_.tau * x_dot;
  x_dot += p_.tau * x_acc;
  theta += p_.tau * theta_dot;
  theta_dot += p_.tau * theta_acc;
  s_ = {x, x_dot, theta, theta_dot};
  ++steps_;
  terminated_ = x < -p_.x_threshold || x > p_.x_threshold || theta < -p_.theta_threshold || theta > p_.theta_threshold;
  StepOutcome out;
  out.reward = 1.0;
  out.terminated = terminated_;
  out.truncated = !terminated_ && steps_ >= p_.max_steps;
  return out;
}

void CartPole::observe(float* out) const {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<float>(s_[i]);
}

}  // namespace torchlab::rl
