#include "torchlab/rl/export.h"

#include "torchlab/core/error.h"
#include "torchlab/interop/safetensors.h"
#include "torchlab/interop/state_dict.h"
#include "torchlab/interop/torchscript_export.h"
#include "torchlab/rl/dqn_agent.h"

namespace torchlab::rl {

nlohmann::json init_dqn(DqnAgent& agent, const std::filesystem::path& weights) {
  const auto st = interop::read_safetensors(weights);
  interop::load_state_dict(*agent.online(), st.tensors, weights.string());
  interop::load_state_dict(*agent.target(), st.tensors, weights.string());
  return interop::weights_provenance(weights);
}

QTableTtt init_qtable(const std::filesystem::path& path, nlohmann::json& provenance) {
  const auto st = interop::read_safetensors(path);
  Checkpoint ckpt;
  const auto env = st.metadata.find("env");
  ckpt.meta["env"] = env == st.metadata.end() ? "tictactoe" : env->second;
  for (const auto& [name, tensor] : st.tensors) {
    if (name != "q.keys" && name != "q.values")
      throw UserError(path.string() + ": unexpected tensor '" + name +
                      "': a Q-table holds q.keys and q.values only (torchlab export of a qlearn run writes one)");
    ckpt.tensors[name] = tensor;
  }
  auto table = qtable_from_checkpoint(ckpt, path.string());
  provenance = interop::weights_provenance(path);
  return table;
}

torch::jit::Module dqn_torchscript(MlpImpl& net, const DqnConfig& config) {
  auto module = interop::scripted_module("QNet", interop::state_dict(net));
  interop::set_attribute(module, "env", config.env);
  interop::set_attribute(module, "config", config.to_json().dump());
  std::string source = "def forward(self, obs: Tensor) -> Tensor:\n    x = obs\n";
  const size_t n = net.layers().size();
  for (size_t l = 1; l <= n; ++l) {
    const auto fc = "self.fc" + std::to_string(l);
    const auto linear = "torch.linear(x, " + fc + ".weight, " + fc + ".bias)";
    source += "    x = " + (l < n ? "torch.relu(" + linear + ")" : linear) + "\n";
  }
  module.define(source + "    return x\n");
  return module;
}

std::vector<interop::ExportedFile> export_dqn(const Checkpoint& ckpt, const std::string& source,
                                              const interop::ExportOptions& options) {
  interop::prepare_export(options, {interop::kTorchScript, interop::kSafetensors}, "a DQN agent");
  const DqnConfig config = dqn_config_of(ckpt, source);
  Mlp net(config.layer_sizes());
  load_module(ckpt, kOnlinePrefix, *net);
  std::string sizes;
  for (auto s : config.layer_sizes()) sizes += (sizes.empty() ? "" : "-") + std::to_string(s);
  std::vector<interop::ExportedFile> out;
  if (options.wants(interop::kTorchScript)) {
    auto module = dqn_torchscript(*net, config);
    const auto path = options.out_dir / (options.stem + ".pt");
    interop::save_scripted(module, path);
    out.push_back({interop::kTorchScript, path,
                   "TorchScript Q-network " + sizes + " (" + config.env + "): forward(observations) -> Q-values"});
  }
  if (options.wants(interop::kSafetensors)) {
    interop::Safetensors st;
    st.tensors = interop::state_dict(*net);
    st.metadata = {{"format", "pt"}, {"torchlab", "dqn"}, {"env", config.env}, {"config", config.to_json().dump()}};
    const auto path = options.out_dir / (options.stem + ".safetensors");
    interop::write_safetensors(path, st);
    out.push_back(
        {interop::kSafetensors, path, "Q-network " + sizes + " weights (" + config.env + "); metadata config"});
  }
  return out;
}

std::vector<interop::ExportedFile> export_qtable(const Checkpoint& ckpt, const std::string& source,
                                                 const interop::ExportOptions& options) {
  interop::prepare_export(options, {interop::kSafetensors}, "a tabular Q-table");
  interop::Safetensors st;
  st.tensors = {{"q.keys", require_tensor(ckpt, "q.keys")}, {"q.values", require_tensor(ckpt, "q.values")}};
  st.metadata = {{"torchlab", "qlearn"},
                 {"env", ckpt.meta.value("env", std::string("tictactoe"))},
                 {"config", ckpt.meta.value("config", nlohmann::json::object()).dump()},
                 {"encoding",
                  "q.keys: cell k of the board = (key / 3^k) % 3 (0 empty, 1 X, 2 O); "
                  "q.values[i, k]: value of playing cell k for the player to move, NaN = never tried"}};
  const auto path = options.out_dir / (options.stem + ".safetensors");
  interop::write_safetensors(path, st);
  return {{interop::kSafetensors, path,
           "Q-table of " + std::to_string(st.tensors["q.keys"].numel()) + " positions (q.keys, q.values)"}};
}

}  // namespace torchlab::rl
