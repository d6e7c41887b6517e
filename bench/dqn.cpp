// dqn_tictactoe/selfplay_moves: DQN self-play training throughput with the seed's network (9-32-32-9): per move, an
// epsilon-greedy action from the online network (epsilon fixed at 0.1, illegal cells masked), the transition into the
// replay buffer, one Adam step on a uniform batch of 64 with negamax targets from the target network, and the EMA
// target update. torchlab's fused CPU path; "_libtorch" is the same loop through libtorch ops (--fused off).
// bench/reference/dqn_tictactoe.py runs the same algorithm in PyTorch Python.
#include <torch/torch.h>

#include <chrono>

#include "harness.h"
#include "torchlab/rl/dqn_training.h"

namespace {

using namespace torchlab::rl;

bench::Result selfplay(int cuda, bool fused) {
  auto c = DqnConfig::defaults("tictactoe", "seed");
  c.eps_start = c.eps_end = 0.1;
  c.learning_starts = 64;
  c.fused = fused && !cuda ? "on" : "off";
  torch::manual_seed(42);
  DqnAgent agent(c, cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU));
  TicTacToeTrainer trainer(agent, 42);
  while (trainer.steps() < 1000) trainer.play_episode();  // warm-up: buffer, caches, allocations
  const int64_t moves_per_run = agent.fused() ? 20000 : 3000;
  std::vector<double> rates;
  for (int r = 0; r < 5; ++r) {
    const int64_t from = trainer.steps();
    const auto t0 = std::chrono::steady_clock::now();
    while (trainer.steps() - from < moves_per_run) trainer.play_episode();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(trainer.steps() - from) / secs);
  }
  return {bench::median(rates), "moves/s", true,
          std::string(agent.fused() ? "fused CPU loops" : "libtorch ops") +
              ", 9-32-32-9, 1 Adam step (batch 64) per move, median of 5 x " + std::to_string(moves_per_run) +
              " moves"};
}

bench::Register fused_reg("dqn_tictactoe/selfplay_moves", [](int cuda) { return selfplay(cuda, true); });
bench::Register torch_reg("dqn_tictactoe/selfplay_moves_libtorch", [](int cuda) { return selfplay(cuda, false); });

}  // namespace
