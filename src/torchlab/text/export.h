#pragma once
// char-rnn weights in and out of torchlab: TorchScript and safetensors export, and starting a model from a
// safetensors file. The PyTorch twin of CharRnn, whose state_dict() names torchlab uses unchanged:
//
//   class CharRNN(nn.Module):            # input: one-hot characters, [T, B, V]
//       def __init__(self, V, H, L, cell="lstm"):
//           super().__init__()
//           self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(V, H, L)
//           self.head = nn.Linear(H, V)
//
//   rnn.weight_ih_l{k} [G*H, in], rnn.weight_hh_l{k} [G*H, H], rnn.bias_ih_l{k}, rnn.bias_hh_l{k} [G*H]
//   (G = 4 for LSTM, gates i f g o; 3 for GRU, r z n; in = V for k = 0, else H), head.weight [V, H], head.bias [V].
#include <torch/script.h>

#include <filesystem>
#include <vector>

#include "torchlab/core/checkpoint.h"
#include "torchlab/interop/export.h"
#include "torchlab/text/model.h"
#include "torchlab/text/vocab.h"

namespace torchlab::text {

// Writes <stem>.pt (TorchScript: forward(tokens [T, B] int64, state=None) -> (logits [T, B, V], (h, c)),
// step(x [B] int64, state) -> (logits [B, V], state), initial_state(batch); attributes vocab (code points or
// bytes), vocab_kind, cell, config) and/or <stem>.safetensors (weights + metadata config, vocab).
std::vector<interop::ExportedFile> export_char_rnn(const Checkpoint& ckpt, const std::string& source,
                                                   const interop::ExportOptions& options);

// Loads safetensors weights (PyTorch state_dict names, strict) into a fresh model; a file whose metadata holds a
// vocabulary (torchlab's exports do) must hold this one, in this order. Returns the provenance for config.json.
nlohmann::json init_char_rnn(CharRnnImpl& model, const Vocab& vocab, const std::filesystem::path& weights);

// The TorchScript module of a model (weights copied), with the vocabulary and config as attributes.
torch::jit::Module char_rnn_torchscript(CharRnnImpl& model, const Vocab& vocab, const nlohmann::json& config);

}  // namespace torchlab::text
