#include "torchlab/rl/web_model.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "torchlab/rl/dqn_agent.h"
#include "torchlab/rl/qlearn_tictactoe.h"

namespace torchlab::rl {

interop::Safetensors dqn_web_model(const Checkpoint& ckpt, const std::string& source) {
  DqnAgent agent(dqn_config_of(ckpt, source));
  load_agent(agent, ckpt, false);
  interop::Safetensors out;
  for (const auto& p : agent.online()->named_parameters())
    out.tensors[p.key()] = p.value().detach().to(torch::kCPU, torch::kFloat).contiguous();
  out.metadata = {{"kind", agent.config().env},
                  {"model", "dqn"},
                  {"layer_sizes", nlohmann::json(agent.config().layer_sizes()).dump()}};
  return out;
}

interop::Safetensors qtable_web_model(const Checkpoint& ckpt, const std::string& source) {
  const auto table = qtable_from_checkpoint(ckpt, source);
  auto rows = torch::full({static_cast<int64_t>(table.size()), 10}, std::nanf(""), torch::kFloat);
  auto* r = rows.data_ptr<float>();
  for (const auto& [state, values] : table) {
    r[0] = static_cast<float>(state.key());  // below 3^9: exact in float
    for (const auto& [cell, q] : values) r[1 + cell] = static_cast<float>(q);
    r += 10;
  }
  interop::Safetensors out;
  out.tensors["q_table"] = rows;
  out.metadata = {{"kind", "tictactoe"}, {"model", "qtable"}};
  return out;
}

}  // namespace torchlab::rl
