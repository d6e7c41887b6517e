#include "torchlab/rl/cartpole.h"

#include <gtest/gtest.h>

#include "torchlab/core/error.h"

using namespace torchlab::rl;

TEST(CartPole, FirstStepsFromRestMatchTheClosedForm) {
  // From rest, sin(theta) = 0: temp = F/1.1, theta_acc = -(F/1.1)/(0.5 (4/3 - 0.1/1.1)) = -600/41 for F = 10,
  // x_acc = 4400/451. Euler: velocities change by tau * acc, positions by tau * the old velocity.
  CartPole env;
  env.set_state({0, 0, 0, 0});
  auto out = env.step(1);
  EXPECT_EQ(out.reward, 1.0);
  EXPECT_FALSE(out.done());
  EXPECT_DOUBLE_EQ(env.state()[0], 0.0);
  EXPECT_NEAR(env.state()[1], 0.02 * 4400.0 / 451.0, 1e-15);
  EXPECT_DOUBLE_EQ(env.state()[2], 0.0);
  EXPECT_NEAR(env.state()[3], -0.02 * 600.0 / 41.0, 1e-15);
  env.step(1);  // theta is still 0 at the start of this step: the same accelerations again
  EXPECT_NEAR(env.state()[0], 0.02 * 0.02 * 4400.0 / 451.0, 1e-15);
  EXPECT_NEAR(env.state()[1], 0.04 * 4400.0 / 451.0, 1e-15);
  EXPECT_NEAR(env.state()[2], -0.02 * 0.02 * 600.0 / 41.0, 1e-15);
  EXPECT_NEAR(env.state()[3], -0.04 * 600.0 / 41.0, 1e-15);
}

TEST(CartPole, StepFromATiltedState) {
  // Values worked out with Gym's formulas for (x, x_dot, theta, theta_dot) = (0.01, -0.02, 0.03, 0.04).
  CartPole env;
  env.set_state({0.01, -0.02, 0.03, 0.04});
  env.step(0);
  EXPECT_NEAR(env.state()[0], 0.0096, 1e-12);
  EXPECT_NEAR(env.state()[1], -0.21553901710278936, 1e-12);
  EXPECT_NEAR(env.state()[2], 0.0308, 1e-12);
  EXPECT_NEAR(env.state()[3], 0.34199522377603914, 1e-12);
  env.set_state({0.01, -0.02, 0.03, 0.04});
  env.step(1);
  EXPECT_NEAR(env.state()[1], 0.17467919574755525, 1e-12);
  EXPECT_NEAR(env.state()[3], -0.2430687179600081, 1e-12);
  float obs[4];
  env.observe(obs);
  EXPECT_EQ(obs[3], static_cast<float>(-0.2430687179600081));
}

TEST(CartPole, PushingOneWayFallsAfterNineSteps) {
  CartPole env;
  env.set_state({0, 0, 0, 0});
  int steps = 0;
  StepOutcome out;
  do {
    out = env.step(1);
    ++steps;
  } while (!out.done());
  EXPECT_EQ(steps, 9);
  EXPECT_TRUE(out.terminated);
  EXPECT_FALSE(out.truncated);
  EXPECT_EQ(out.reward, 1.0);  // the failing step still pays, as in Gym
  EXPECT_NEAR(env.state()[2], -0.21518604988500967, 1e-12);
  EXPECT_THROW(env.step(0), torchlab::UserError);
}

TEST(CartPole, TruncatesAtFiveHundredSteps) {
  CartPoleParams p;
  p.gravity = 0;  // nothing moves: only the cap ends the episode
  p.force_mag = 0;
  CartPole env(p);
  env.set_state({0, 0, 0, 0});
  StepOutcome out;
  for (int i = 0; i < 500; ++i) out = env.step(i % 2);
  EXPECT_TRUE(out.truncated);
  EXPECT_FALSE(out.terminated);
  EXPECT_TRUE(env.done());
  EXPECT_EQ(env.legal_mask(), 0u);
}

TEST(CartPole, ResetIsSmallAndSeeded) {
  CartPole a, b;
  a.seed(3);
  b.seed(3);
  for (int e = 0; e < 50; ++e) {
    a.reset();
    b.reset();
    EXPECT_EQ(a.state(), b.state());
    for (double v : a.state()) {
      EXPECT_GE(v, -0.05);
      EXPECT_LT(v, 0.05);
    }
  }
  EXPECT_THROW(a.step(2), torchlab::UserError);
}
