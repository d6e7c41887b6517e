#pragma once
// Tabular Q-learning in the spirit of rurel (Rust): a game defines a State and an Agent; a LearningStrategy, an
// ExplorationStrategy and a TerminationStrategy configure an AgentTrainer, which owns the table of learned values.
//
// A State type S provides:
//   using Action = ...;                      // hashable with std::hash, comparable with ==
//   double reward() const;                   // received by the agent on entering this state
//   std::vector<Action> actions() const;     // empty = a sink (terminal) state
//   bool operator==(const S&) const;  and a std::hash<S> specialisation.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

namespace torchlab::rl::tabular {

template <typename S>
using ActionValues = std::unordered_map<typename S::Action, double>;
template <typename S>
using QTable = std::unordered_map<S, ActionValues<S>>;

template <typename S>
class Agent {
 public:
  using Action = typename S::Action;
  virtual ~Agent() = default;
  virtual const S& current_state() const = 0;
  virtual void take_action(const Action& action) = 0;
};

template <typename S>
class LearningStrategy {
 public:
  virtual ~LearningStrategy() = default;
  // The new value of Q(s, a): `current` is the old one (null when never seen), `reward` what entering `next` gave,
  // `next_values` the learned values of `next` (null when never seen).
  virtual double value(const double* current, double reward, const S& next,
                       const ActionValues<S>* next_values) const = 0;
};

// Q(s,a) <- Q + alpha (r + gamma * future - Q), future = max over next's actions (unseen ones count as
// initial_value), 0 in a sink state. `alternating`: two players take turns and `next` is seen from the opponent, so
// the future is the opponent's best value negated (negamax): future = -max.
template <typename S>
class QLearning : public LearningStrategy<S> {
 public:
  QLearning(double alpha, double gamma, double initial_value, bool alternating = false)
      : alpha_(alpha), gamma_(gamma), initial_(initial_value), alternating_(alternating) {}
  double value(const double* current, double reward, const S& next, const ActionValues<S>* next_values) const override {
    double future = 0;
    const auto actions = next.actions();
    if (!actions.empty()) {
      future = -1e300;
      for (const auto& a : actions) {
        double v = initial_;
        if (next_values) {
          auto it = next_values->find(a);
          if (it != next_values->end()) v = it->second;
        }
        future = std::max(future, v);
      }
      if (alternating_) future = -future;
    }
    const double old = current ? *current : initial_;
    return old + alpha_ * (reward + gamma_ * future - old);
  }
  double alpha() const { return alpha_; }
  double gamma() const { return gamma_; }
  double initial_value() const { return initial_; }

 private:
  double alpha_, gamma_, initial_;
  bool alternating_;
};

template <typename S>
class ExplorationStrategy {
 public:
  using Action = typename S::Action;
  virtual ~ExplorationStrategy() = default;
  // The action to take in `agent`'s current state (which must have one).
  virtual Action pick_action(const QTable<S>& q, const Agent<S>& agent, std::mt19937_64& rng) = 0;
};

template <typename S>
typename S::Action random_action(const S& state, std::mt19937_64& rng) {
  const auto actions = state.actions();
  return actions[std::uniform_int_distribution<size_t>(0, actions.size() - 1)(rng)];
}

// The best known action of `state` (ties: the first of state.actions(); unseen actions count as `initial`).
template <typename S>
typename S::Action greedy_action(const QTable<S>& q, const S& state, double initial) {
  const auto actions = state.actions();
  auto it = q.find(state);
  typename S::Action best = actions.front();
  double best_v = -1e300;
  for (const auto& a : actions) {
    double v = initial;
    if (it != q.end()) {
      auto jt = it->second.find(a);
      if (jt != it->second.end()) v = jt->second;
    }
    if (v > best_v) best_v = v, best = a;
  }
  return best;
}

template <typename S>
class RandomExploration : public ExplorationStrategy<S> {
 public:
  typename S::Action pick_action(const QTable<S>&, const Agent<S>& agent, std::mt19937_64& rng) override {
    return random_action(agent.current_state(), rng);
  }
};

// Epsilon-greedy with epsilon falling linearly from `start` to `end` over `decay_steps` decisions, then constant.
template <typename S>
class EpsilonGreedy : public ExplorationStrategy<S> {
 public:
  EpsilonGreedy(double start, double end, int64_t decay_steps, double initial_value = 0)
      : start_(start), end_(end), decay_(decay_steps), initial_(initial_value) {}
  double epsilon() const {
    if (decay_ <= 0 || steps_ >= decay_) return end_;
    return start_ + (end_ - start_) * static_cast<double>(steps_) / static_cast<double>(decay_);
  }
  typename S::Action pick_action(const QTable<S>& q, const Agent<S>& agent, std::mt19937_64& rng) override {
    const double eps = epsilon();
    ++steps_;
    if (std::uniform_real_distribution<double>(0, 1)(rng) < eps) return random_action(agent.current_state(), rng);
    return greedy_action(q, agent.current_state(), initial_);
  }
  int64_t steps() const { return steps_; }

 private:
  double start_, end_;
  int64_t decay_;
  double initial_;
  int64_t steps_ = 0;
};

template <typename S>
class TerminationStrategy {
 public:
  virtual ~TerminationStrategy() = default;
  // Called with the state reached after each action; true ends the training episode.
  virtual bool should_stop(const S& state) = 0;
};

template <typename S>
class FixedIterations : public TerminationStrategy<S> {
 public:
  explicit FixedIterations(int64_t iterations) : left_(iterations) {}
  bool should_stop(const S&) override { return --left_ <= 0; }

 private:
  int64_t left_;
};

// Stops in a state without actions, or after `max_iterations` as a safety net (0 = none).
template <typename S>
class SinkStates : public TerminationStrategy<S> {
 public:
  explicit SinkStates(int64_t max_iterations = 0) : left_(max_iterations) {}
  bool should_stop(const S& state) override { return state.actions().empty() || (left_ > 0 && --left_ == 0); }

 private:
  int64_t left_;
};

template <typename S>
class AgentTrainer {
 public:
  using Action = typename S::Action;

  // Runs one episode from the agent's current state until `termination` says stop, updating the table after each
  // action.
  void train(Agent<S>& agent, const LearningStrategy<S>& learning, ExplorationStrategy<S>& exploration,
             TerminationStrategy<S>& termination, std::mt19937_64& rng) {
    for (;;) {
      const S state = agent.current_state();
      if (state.actions().empty()) return;
      const Action action = exploration.pick_action(q_, agent, rng);
      agent.take_action(action);
      const S& next = agent.current_state();
      const double* current = nullptr;
      auto it = q_.find(state);
      if (it != q_.end()) {
        auto jt = it->second.find(action);
        if (jt != it->second.end()) current = &jt->second;
      }
      auto nt = q_.find(next);
      const double v = learning.value(current, next.reward(), next, nt == q_.end() ? nullptr : &nt->second);
      q_[state][action] = v;  // after value(): inserting may rehash and move `nt`
      if (termination.should_stop(next)) return;
    }
  }

  std::optional<double> expected_value(const S& state, const Action& action) const {
    auto it = q_.find(state);
    if (it == q_.end()) return std::nullopt;
    auto jt = it->second.find(action);
    if (jt == it->second.end()) return std::nullopt;
    return jt->second;
  }
  const ActionValues<S>* expected_values(const S& state) const {
    auto it = q_.find(state);
    return it == q_.end() ? nullptr : &it->second;
  }
  // The known action with the highest value (ties: the first in state.actions() order); none for unseen states.
  std::optional<Action> best_action(const S& state) const {
    auto it = q_.find(state);
    if (it == q_.end() || it->second.empty()) return std::nullopt;
    std::optional<Action> best;
    double best_v = -1e300;
    for (const auto& a : state.actions()) {
      auto jt = it->second.find(a);
      if (jt != it->second.end() && jt->second > best_v) best_v = jt->second, best = a;
    }
    return best;
  }

  const QTable<S>& export_learned_values() const { return q_; }
  void import_state(QTable<S> table) { q_ = std::move(table); }

 private:
  QTable<S> q_;
};

}  // namespace torchlab::rl::tabular
