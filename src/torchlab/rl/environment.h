#pragma once
// The environment interface the DQN trainer and the evaluators share. Single-player (CartPole) and two-player
// alternating zero-sum games (tic-tac-toe) alike: observations are always seen from the player to move, and a step's
// reward goes to the player who acted (in a zero-sum game the other player receives its negation). No libtorch here:
// the environments also build for the browser (WebAssembly).
#include <cstdint>
#include <string>
#include <vector>

namespace torchlab::rl {

struct StepOutcome {
  double reward = 0;        // to the player who acted
  bool terminated = false;  // a terminal state of the game (win, loss, draw, pole fallen)
  bool truncated = false;   // stopped by a time limit: not terminal, so targets still bootstrap
  bool done() const { return terminated || truncated; }
};

class Environment {
 public:
  virtual ~Environment() = default;
  virtual std::string name() const = 0;
  virtual int num_players() const = 0;
  virtual int observation_size() const = 0;
  virtual int num_actions() const = 0;

  // Seeds the environment's own engine: the same seed gives the same episodes.
  virtual void seed(uint64_t seed) = 0;
  virtual void reset() = 0;
  virtual bool done() const = 0;
  virtual int current_player() const = 0;  // 0-based; always 0 in single-player environments
  // Bit i set = action i legal now (num_actions() <= 32).
  virtual uint32_t legal_mask() const = 0;
  // Illegal actions (and steps after the end) are a UserError.
  virtual StepOutcome step(int action) = 0;
  // Writes observation_size() floats, seen from the player to move.
  virtual void observe(float* out) const = 0;

  std::vector<int> legal_actions() const;
  std::vector<float> observation() const;  // observation_size() values
};

// Actions whose bit is set, ascending.
std::vector<int> mask_to_actions(uint32_t mask);

}  // namespace torchlab::rl
