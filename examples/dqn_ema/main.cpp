// dqn_ema: the second seed's list in one program. A 9-32-32-9 Q-network learns tic-tac-toe against a random player
// (deep Q-learning with replay), with a target network that follows it as an exponential moving average; it is
// persisted, retrieved from the file, and picks the moves of a match against the random player.
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <random>
#include <vector>

#include "torchlab/core/checkpoint.h"
#include "torchlab/rl/dqn_agent.h"
#include "torchlab/rl/mlp.h"
#include "torchlab/rl/players.h"
#include "torchlab/rl/tictactoe.h"
#include "torchlab/train/ema.h"

using namespace torchlab;

const std::vector<int64_t> LAYERS = {9, 32, 32, 9};  // the seed's network: 9 cells in, 9 Q-values out
constexpr int EPISODES = 3000;
constexpr int BATCH_SIZE = 64;
constexpr size_t REPLAY_SIZE = 10000;
constexpr double TAU = 0.1;  // target <- (1 - TAU) target + TAU online after each update (the seed's 0.9 = 1 - TAU)
constexpr double GAMMA = 0.9;
constexpr double LEARNING_RATE = 1e-3;
constexpr double EPS_START = 1.0, EPS_END = 0.05;  // exploration, falling linearly over the episodes
constexpr int MATCH_GAMES = 500;                   // per side
const char* const MODEL_FILE = "dqn_ema.ckpt";

// One move of the agent: the board before it (from the mover's view), the cell, and what followed the opponent's
// reply. Illegal cells of `next` get -1e9, so a max over next's Q-values picks a legal cell.
struct Transition {
  float obs[9], next[9], next_illegal[9];
  int64_t action;
  float reward;    // +1 won, -1 lost, 0 otherwise
  float not_done;  // 0 once the game is over: no future value
};

// Greedy play: the legal cell with the highest Q-value.
int best_cell(rl::Mlp& net, const rl::Board& board) {
  torch::NoGradGuard no_grad;
  float obs[9];
  board.features(obs);  // +1 own piece, -1 opponent's, 0 empty
  torch::Tensor q = net->forward(torch::from_blob(obs, {1, 9})).contiguous();
  return rl::masked_argmax(q.data_ptr<float>(), 9, board.legal_mask());
}

// Any torchlab::rl::Player can sit at the board; this one asks the network.
struct QPlayer : rl::Player {
  rl::Mlp net;
  explicit QPlayer(rl::Mlp n) : net(std::move(n)) {}
  std::string name() const override { return "dqn_ema"; }
  int choose(const rl::Board& board, std::mt19937_64&) override { return best_cell(net, board); }
};

int main() {
  torch::manual_seed(0);
  std::mt19937_64 rng(0);
  rl::RandomPlayer opponent;
  rl::Mlp online(LAYERS), target(LAYERS);
  train::ema_update(*target, *online, 1.0);  // tau = 1: start as a copy
  torch::optim::Adam optimizer(online->parameters(), LEARNING_RATE);
  std::vector<Transition> replay;

  for (int episode = 0; episode < EPISODES; ++episode) {
    const double eps = EPS_START + (EPS_END - EPS_START) * episode / EPISODES;
    const int8_t me = episode % 2 ? rl::kO : rl::kX;  // the agent plays both sides
    rl::Board board;
    if (board.to_move != me) board.play(opponent.choose(board, rng));
    while (!board.over()) {
      Transition t;
      board.features(t.obs);
      const bool explore = std::uniform_real_distribution<>(0, 1)(rng) < eps;
      t.action = explore ? opponent.choose(board, rng) : best_cell(online, board);
      board.play(static_cast<int>(t.action));
      if (!board.over()) board.play(opponent.choose(board, rng));
      t.reward = board.winner() == me ? 1.f : board.winner() == -me ? -1.f : 0.f;
      t.not_done = board.over() ? 0.f : 1.f;
      board.features(t.next);
      for (int c = 0; c < 9; ++c) t.next_illegal[c] = board.legal(c) ? 0.f : -1e9f;
      if (replay.size() < REPLAY_SIZE)
        replay.push_back(t);
      else
        replay[rng() % REPLAY_SIZE] = t;
      if (replay.size() < BATCH_SIZE) continue;

      // One step of Q-learning on a random batch: Q(s, a) -> r + GAMMA max_a' Q_target(s', a') over legal a'.
      std::vector<float> obs, next, illegal, reward, not_done;
      std::vector<int64_t> action;
      for (int i = 0; i < BATCH_SIZE; ++i) {
        const Transition& b = replay[rng() % replay.size()];
        obs.insert(obs.end(), b.obs, b.obs + 9);
        next.insert(next.end(), b.next, b.next + 9);
        illegal.insert(illegal.end(), b.next_illegal, b.next_illegal + 9);
        reward.push_back(b.reward), not_done.push_back(b.not_done), action.push_back(b.action);
      }
      auto rows = [](std::vector<float>& v) {
        return torch::from_blob(v.data(), {BATCH_SIZE, static_cast<int64_t>(v.size()) / BATCH_SIZE});
      };
      torch::Tensor future;
      {
        torch::NoGradGuard no_grad;
        future = (target->forward(rows(next)) + rows(illegal)).amax(1);
      }
      torch::Tensor wanted = rows(reward).squeeze(1) + GAMMA * rows(not_done).squeeze(1) * future;
      torch::Tensor q = online->forward(rows(obs)).gather(1, torch::tensor(action).unsqueeze(1)).squeeze(1);
      torch::Tensor loss = torch::mse_loss(q, wanted);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      train::ema_update(*target, *online, TAU);  // the EMA: model.ema(&model_training, 1 - TAU) in dfdx
    }
    if ((episode + 1) % 1000 == 0) std::printf("episode %d, epsilon %.2f\n", episode + 1, eps);
  }

  // Persist the target network (the smoothed one) and retrieve it into a new network, as another program would.
  Checkpoint ckpt;
  ckpt.meta["kind"] = "dqn_ema";
  put_module(ckpt, "q", *target);
  save_checkpoint(ckpt, MODEL_FILE);
  rl::Mlp loaded(LAYERS);
  load_module(load_checkpoint(MODEL_FILE, "dqn_ema"), "q", *loaded);

  QPlayer agent(loaded);
  const auto as_x = rl::play_match(agent, opponent, rl::kX, MATCH_GAMES, rng);
  const auto as_o = rl::play_match(agent, opponent, rl::kO, MATCH_GAMES, rng);
  std::printf("as X vs random: %s\nas O vs random: %s\n", as_x.summary().c_str(), as_o.summary().c_str());
  std::printf("win rate vs random: %.1f%%, loss rate %.1f%%\n", (as_x.pct(as_x.wins) + as_o.pct(as_o.wins)) / 2,
              (as_x.pct(as_x.losses) + as_o.pct(as_o.losses)) / 2);
}
