// qlearning: tabular Q-learning the rurel way. The game defines a State (what the agent sees, its reward, the
// actions it allows) and an Agent (how an action changes the state); Q-learning, an exploration strategy and a
// termination strategy configure the AgentTrainer, which keeps the table. The game: a walker on a SIZE x SIZE grid
// (walls keep it in place) who is paid for reaching the goal and pays for every step on the way.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "torchlab/rl/tabular.h"

using namespace torchlab::rl::tabular;

constexpr int SIZE = 8;
constexpr int GOAL_X = 5, GOAL_Y = 2;
constexpr int EPISODES = 3000;
constexpr int MAX_STEPS = 200;  // an episode ends at the goal, or after this many steps
constexpr double ALPHA = 0.2, GAMMA = 0.95, INITIAL_VALUE = 0;

enum class Move { Up, Down, Left, Right };

struct Cell {
  using Action = Move;
  int x, y;
  bool at_goal() const { return x == GOAL_X && y == GOAL_Y; }
  double reward() const { return at_goal() ? 10.0 : -1.0; }  // received on entering this cell
  std::vector<Move> actions() const {                        // none at the goal: it ends the episode
    if (at_goal()) return {};
    return {Move::Up, Move::Down, Move::Left, Move::Right};
  }
  bool operator==(const Cell& o) const { return x == o.x && y == o.y; }
};
template <>
struct std::hash<Cell> {
  size_t operator()(const Cell& c) const { return static_cast<size_t>(c.y * SIZE + c.x); }
};

class Walker : public Agent<Cell> {
 public:
  explicit Walker(Cell start) : state_(start) {}
  const Cell& current_state() const override { return state_; }
  void take_action(const Move& m) override {
    if (m == Move::Up && state_.y > 0) --state_.y;
    if (m == Move::Down && state_.y < SIZE - 1) ++state_.y;
    if (m == Move::Left && state_.x > 0) --state_.x;
    if (m == Move::Right && state_.x < SIZE - 1) ++state_.x;
  }

 private:
  Cell state_;
};

int main() {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> coord(0, SIZE - 1);
  AgentTrainer<Cell> trainer;
  QLearning<Cell> learning(ALPHA, GAMMA, INITIAL_VALUE);
  EpsilonGreedy<Cell> exploration(1.0, 0.1, EPISODES * 10, INITIAL_VALUE);  // epsilon 1 -> 0.1 over ~the run

  for (int episode = 0; episode < EPISODES; ++episode) {
    Walker walker(Cell{coord(rng), coord(rng)});  // a random start each episode
    SinkStates<Cell> termination(MAX_STEPS);
    trainer.train(walker, learning, exploration, termination, rng);
  }

  // The learned policy: the best action of every cell, and whether it walks a shortest path to the goal.
  const char* arrows = "^v<>";
  int shortest = 0, cells = 0;
  for (int y = 0; y < SIZE; ++y) {
    for (int x = 0; x < SIZE; ++x) {
      const Cell start{x, y};
      if (start.at_goal()) {
        std::printf(" G");
        continue;
      }
      std::printf(" %c", arrows[static_cast<int>(trainer.best_action(start).value_or(Move::Up))]);
      Walker walker(start);
      int steps = 0;
      while (!walker.current_state().at_goal() && steps < MAX_STEPS) {
        auto best = trainer.best_action(walker.current_state());
        if (!best) break;
        walker.take_action(*best);
        ++steps;
      }
      ++cells;
      shortest += walker.current_state().at_goal() && steps == std::abs(x - GOAL_X) + std::abs(y - GOAL_Y);
    }
    std::printf("\n");
  }
  std::printf("value of the corner (0, 0) moving right: %.3f\n",
              trainer.expected_value(Cell{0, 0}, Move::Right).value_or(0));
  std::printf("shortest paths: %d/%d cells\n", shortest, cells);
}
