#pragma once
// Reinforcement-learning checkpoints as an exported web page holds them (interop/web_page.h), float32 throughout:
//  - DQN (tic-tac-toe or CartPole): the online network fc1..fcN under the PyTorch state_dict names; metadata kind =
//    "tictactoe" | "cartpole", model = "dqn", layer_sizes (JSON);
//  - the tabular tic-tac-toe agent: "q_table" rows [base-3 board code, q0..q8] (NaN for an action never tried, which
//    the player skips, as `qlearn play` does); metadata kind = "tictactoe", model = "qtable".
#include <string>

#include "torchlab/core/checkpoint.h"
#include "torchlab/interop/safetensors.h"

namespace torchlab::rl {

interop::Safetensors dqn_web_model(const Checkpoint& ckpt, const std::string& source);
interop::Safetensors qtable_web_model(const Checkpoint& ckpt, const std::string& source);

}  // namespace torchlab::rl
