#include "torchlab/text/export.h"

#include "torchlab/core/error.h"
#include "torchlab/interop/safetensors.h"
#include "torchlab/interop/state_dict.h"
#include "torchlab/interop/torchscript_export.h"
#include "torchlab/text/char_rnn_config.h"

namespace torchlab::text {
namespace {

// TorchScript of the model's methods. The state is always a pair so one sampling loop serves both cells: (h, c) for
// an LSTM, (h, h) for a GRU (the second is ignored). aten's lstm/gru ops are what nn.LSTM/nn.GRU call.
std::string methods(const ModelOptions& o) {
  std::string params;
  for (int64_t l = 0; l < o.layers; ++l)
    for (const char* p : {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"})
      params += std::string(params.empty() ? "" : ", ") + "self.rnn." + p + std::to_string(l);
  const auto L = std::to_string(o.layers), H = std::to_string(o.hidden), V = std::to_string(o.vocab);
  const std::string recurrent = o.cell == "lstm"
                                    ? "    y, h, c = torch.lstm(x, [s[0], s[1]], [" + params + "], True, " + L +
                                          ", 0.0, False, False, False)\n    new_state = (h, c)\n"
                                    : "    y, h = torch.gru(x, s[0], [" + params + "], True, " + L +
                                          ", 0.0, False, False, False)\n    new_state = (h, h)\n";
  return "def initial_state(self, batch: int) -> Tuple[Tensor, Tensor]:\n"
         "    z = torch.zeros([" +
         L + ", batch, " + H +
         "], dtype=self.head.weight.dtype)\n"
         "    return (z, z.clone())\n"
         "\n"
         "def forward(self, tokens: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None)"
         " -> Tuple[Tensor, Tuple[Tensor, Tensor]]:\n"
         "    if state is None:\n"
         "        s = self.initial_state(tokens.size(1))\n"
         "    else:\n"
         "        s = state\n"
         "    x = torch.one_hot(tokens, " +
         V + ").to(self.head.weight.dtype)\n" + recurrent +
         "    return torch.linear(y, self.head.weight, self.head.bias), new_state\n"
         "\n"
         "def step(self, x: Tensor, state: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:\n"
         "    logits, new_state = self.forward(x.view(1, -1), state)\n"
         "    return logits[0], new_state\n";
}

}  // namespace

torch::jit::Module char_rnn_torchscript(CharRnnImpl& model, const Vocab& vocab, const nlohmann::json& config) {
  auto module = interop::scripted_module("CharRNN", interop::state_dict(model));
  std::vector<int64_t> symbols;
  for (int64_t i = 0; i < vocab.size(); ++i) symbols.push_back(vocab.symbol(i));
  interop::set_attribute(module, "vocab", symbols);
  interop::set_attribute(module, "vocab_kind", vocab_kind_name(vocab.kind()));
  interop::set_attribute(module, "cell", model.options().cell);
  interop::set_attribute(module, "config", config.dump());
  module.define(methods(model.options()));
  return module;
}

nlohmann::json init_char_rnn(CharRnnImpl& model, const Vocab& vocab, const std::filesystem::path& weights) {
  const auto st = interop::read_safetensors(weights);
  const auto it = st.metadata.find("vocab");
  if (it != st.metadata.end() && nlohmann::json::parse(it->second, nullptr, false) != vocab.to_json())
    throw UserError(weights.string() +
                    " was trained on another vocabulary than this text's (its metadata \"vocab\" "
                    "differs, or lists the same symbols in another order): its rows would mean other characters");
  interop::load_state_dict(model, st.tensors, weights.string());
  return interop::weights_provenance(weights);
}

std::vector<interop::ExportedFile> export_char_rnn(const Checkpoint& ckpt, const std::string& source,
                                                   const interop::ExportOptions& options) {
  interop::prepare_export(options, {interop::kTorchScript, interop::kSafetensors}, "a char-rnn model");
  if (!ckpt.meta.contains("char_rnn") || !ckpt.meta.contains("vocab"))
    throw UserError(source + " has no char-rnn config or vocabulary in its metadata");
  const auto config = CharRnnConfig::from_json(ckpt.meta["char_rnn"]);
  const auto vocab = Vocab::from_json(ckpt.meta["vocab"]);
  auto model_options = config.model;
  model_options.precision = "fp32";  // exports hold the float32 weights whatever the training precision
  CharRnn model(model_options);
  load_module(ckpt, "model", *model);
  model->eval();
  const auto config_json = config.to_json();
  const std::string shape = model_options.cell + " " + std::to_string(model_options.layers) + "x" +
                            std::to_string(model_options.hidden) + ", vocabulary " +
                            std::to_string(model_options.vocab) + " (" + config.vocab + ")";
  std::vector<interop::ExportedFile> out;
  if (options.wants(interop::kTorchScript)) {
    auto module = char_rnn_torchscript(*model, vocab, config_json);
    const auto path = options.out_dir / (options.stem + ".pt");
    interop::save_scripted(module, path);
    out.push_back({interop::kTorchScript, path, "TorchScript char-rnn, " + shape + ": forward, step, initial_state"});
  }
  if (options.wants(interop::kSafetensors)) {
    interop::Safetensors st;
    st.tensors = interop::state_dict(*model);
    st.metadata = {
        {"format", "pt"}, {"torchlab", "char-rnn"}, {"config", config_json.dump()}, {"vocab", vocab.to_json().dump()}};
    const auto path = options.out_dir / (options.stem + ".safetensors");
    interop::write_safetensors(path, st);
    out.push_back({interop::kSafetensors, path, "char-rnn weights, " + shape + "; metadata config, vocab"});
  }
  return out;
}

}  // namespace torchlab::text
