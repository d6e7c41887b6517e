#pragma once
// Reinforcement-learning models in and out of torchlab. The DQN Q-network's PyTorch twin, whose state_dict() names
// torchlab uses unchanged (sizes = {observations, hidden..., actions}, e.g. 9-128-128-9 for tic-tac-toe):
//
//   class QNet(nn.Module):
//       def __init__(self, sizes):
//           super().__init__()
//           for i in range(len(sizes) - 1):
//               setattr(self, f"fc{i + 1}", nn.Linear(sizes[i], sizes[i + 1]))
//       def forward(self, x):   # ReLU between layers, none after the last
//
// Observations: tic-tac-toe, 9 floats, cell k (row-major) = +1 the player to move, -1 the opponent, 0 empty; the 9
// Q-values are for playing cell k. CartPole: (x, x_dot, theta, theta_dot); 2 Q-values: push left, push right.
// The tabular Q-table exports as q.keys (I64 [n]: cell k of the board = (key / 3^k) % 3, 0 empty, 1 X, 2 O; the
// position says who moves) and q.values (F64 [n, 9], NaN = action never tried), values seen by the player to move.
#include <torch/script.h>

#include <filesystem>
#include <string>
#include <vector>

#include "torchlab/core/checkpoint.h"
#include "torchlab/interop/export.h"
#include "torchlab/rl/dqn_config.h"
#include "torchlab/rl/mlp.h"
#include "torchlab/rl/qlearn_tictactoe.h"

namespace torchlab::rl {

// DQN: <stem>.pt (TorchScript: forward(obs [N, obs] or [obs] float) -> Q-values; attributes env, config) and/or
// <stem>.safetensors (the online network's weights + metadata config, env).
std::vector<interop::ExportedFile> export_dqn(const Checkpoint& ckpt, const std::string& source,
                                              const interop::ExportOptions& options);
// qlearn: <stem>.safetensors only.
std::vector<interop::ExportedFile> export_qtable(const Checkpoint& ckpt, const std::string& source,
                                                 const interop::ExportOptions& options);

class DqnAgent;
// Loads safetensors weights (fc1.weight, ..., strict) into the agent's online and target networks; returns the
// provenance for config.json.
nlohmann::json init_dqn(DqnAgent& agent, const std::filesystem::path& weights);

// Reads a Q-table exported as safetensors (q.keys, q.values; metadata env tictactoe when present); the table to
// start qlearn from. `provenance` receives weights_provenance(path) for config.json.
QTableTtt init_qtable(const std::filesystem::path& path, nlohmann::json& provenance);

torch::jit::Module dqn_torchscript(MlpImpl& net, const DqnConfig& config);

}  // namespace torchlab::rl
