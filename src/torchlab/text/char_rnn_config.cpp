#include "torchlab/text/char_rnn_config.h"

#include <algorithm>
#include <cmath>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/text/vocab.h"

namespace torchlab::text {

nlohmann::json CharRnnConfig::to_json() const {
  nlohmann::json j = {{"task", "char-rnn"},
                      {"preset", preset},
                      {"input", input},
                      {"vocab", vocab},
                      {"cell", model.cell},
                      {"layers", model.layers},
                      {"hidden", model.hidden},
                      {"dropout", model.dropout},
                      {"impl", model.impl},
                      {"precision", model.precision},
                      {"vocab_size", model.vocab},
                      {"seq_len", seq_len},
                      {"batch_size", batch_size},
                      {"epochs", epochs},
                      {"lr", lr},
                      {"schedule", schedule},
                      {"clip_value", clip_value},
                      {"clip_norm", clip_norm},
                      {"sample_length", sample_length},
                      {"sample_temperature", sample_temperature},
                      {"seed", seed}};
  if (!init_from.is_null()) j["init_from"] = init_from;
  return j;
}

CharRnnConfig CharRnnConfig::from_json(const nlohmann::json& j) {
  const std::string what = "char-rnn config";
  CharRnnConfig c;
  c.preset = json_field<std::string>(j, "preset", what);
  c.input = json_field<std::string>(j, "input", what);
  c.vocab = json_field<std::string>(j, "vocab", what);
  c.model.cell = json_field<std::string>(j, "cell", what);
  c.model.layers = json_field<int64_t>(j, "layers", what);
  c.model.hidden = json_field<int64_t>(j, "hidden", what);
  c.model.dropout = json_field<double>(j, "dropout", what);
  c.model.impl = json_field_or<std::string>(j, "impl", "auto", what);
  c.model.precision = json_field_or<std::string>(j, "precision", "fp32", what);
  c.model.vocab = json_field<int64_t>(j, "vocab_size", what);
  c.seq_len = json_field<int64_t>(j, "seq_len", what);
  c.batch_size = json_field<int64_t>(j, "batch_size", what);
  c.epochs = json_field<int64_t>(j, "epochs", what);
  c.lr = json_field<double>(j, "lr", what);
  c.schedule = json_field<std::string>(j, "schedule", what);
  c.clip_value = json_field<double>(j, "clip_value", what);
  c.clip_norm = json_field<double>(j, "clip_norm", what);
  c.sample_length = json_field<int64_t>(j, "sample_length", what);
  c.sample_temperature = json_field<double>(j, "sample_temperature", what);
  c.seed = json_field<uint64_t>(j, "seed", what);
  c.init_from = j.value("init_from", nlohmann::json());
  return c;
}

CharRnnConfig preset_config(const std::string& name) {
  CharRnnConfig c;
  c.preset = name;
  if (name == "tch") {
    c.vocab = "bytes";
    c.model.cell = "lstm";
    c.model.layers = 1;
    c.model.hidden = 256;
    c.model.dropout = 0;
    c.seq_len = 180;
    c.batch_size = 256;
    c.lr = 0.01;
    c.schedule = "constant";
    c.clip_value = 0.5;
    c.clip_norm = 0;
    c.sample_length = 1024;
    c.sample_temperature = 1.0;
    c.epochs = 10;
  } else if (name == "default") {
    c.vocab = "chars";
    c.model.cell = "lstm";
    c.model.layers = 1;
    c.model.hidden = 512;
    c.model.dropout = 0.1;
    c.seq_len = 128;
    c.batch_size = 64;
    c.lr = 3e-3;
    c.schedule = "cosine";
    c.clip_value = 0;
    c.clip_norm = 5;
    c.sample_length = 500;
    c.sample_temperature = 0.8;
    // Measured: 10 epochs reach 1.53 nats/char on Moby-Dick with train loss = validation loss (underfitting), so
    // twice the steps.
    c.epochs = 20;
  } else {
    throw UserError("--preset " + name + ": expected default or tch");
  }
  return c;
}

void validate(const CharRnnConfig& c) {
  parse_vocab_kind(c.vocab);
  if (c.seq_len < 1) throw UserError("--seq-len " + std::to_string(c.seq_len) + ": must be at least 1");
  if (c.batch_size < 1) throw UserError("--batch-size " + std::to_string(c.batch_size) + ": must be at least 1");
  if (c.epochs < 1) throw UserError("--epochs " + std::to_string(c.epochs) + ": must be at least 1");
  if (!(c.lr > 0)) throw UserError("--lr " + std::to_string(c.lr) + ": must be positive");
  if (c.schedule != "constant" && c.schedule != "cosine")
    throw UserError("--schedule " + c.schedule + ": expected constant or cosine");
  if (c.clip_value < 0) throw UserError("--clip-value: must be 0 (off) or positive");
  if (c.clip_norm < 0) throw UserError("--clip-norm: must be 0 (off) or positive");
  if (c.sample_length < 0) throw UserError("--sample-length: must be 0 or more");
  if (!(c.sample_temperature > 0)) throw UserError("--sample-temperature: must be greater than 0");
  ModelOptions m = c.model;
  if (m.vocab < 1) m.vocab = 1;  // not known before the text is read
  text::validate(m);
}

namespace {

// weight_ih (the first layer reads one-hot characters: V inputs), weight_hh, two biases; then the head. An unknown
// vocabulary (0: not read from the text yet) counts as the 256 of bytes.
double parameter_count(const CharRnnConfig& c) {
  const double H = static_cast<double>(c.model.hidden);
  const double V = static_cast<double>(c.model.vocab > 0 ? c.model.vocab : 256);
  const double L = static_cast<double>(c.model.layers), gates = c.model.cell == "gru" ? 3 : 4;
  return gates * H * (V + H + 2) + (L - 1) * gates * H * (2 * H + 2) + V * (H + 1);
}

}  // namespace

double training_step_flops(const CharRnnConfig& c) {
  return 6 * parameter_count(c) * static_cast<double>(c.batch_size) * static_cast<double>(c.seq_len);
}

std::vector<MemoryPart> training_memory(const CharRnnConfig& c) {
  const double H = static_cast<double>(c.model.hidden), V = static_cast<double>(std::max<int64_t>(1, c.model.vocab));
  const double L = static_cast<double>(c.model.layers), gates = c.model.cell == "gru" ? 3 : 4;
  const double params = parameter_count(c);
  const double positions = static_cast<double>(c.batch_size) * static_cast<double>(c.seq_len);
  // Per position and layer: the gates, cell, hidden and their tanh kept for BPTT; per position: logits, softmax and
  // their gradient. Fewer than the real count, so a config that fits is never refused.
  const double activations = positions * (L * (gates + 4) * H + 3 * V);
  constexpr double kFloat = 4;
  return {{"parameters", kFloat * params},
          {"gradients and Adam state", 3 * kFloat * params},
          {"checkpoint", 3 * kFloat * params},
          {"activations of a batch", kFloat * activations}};
}

double lr_factor(const std::string& schedule, int64_t step, int64_t total) {
  if (schedule != "cosine" || total <= 0) return 1.0;
  const double t = std::min(1.0, static_cast<double>(step) / total);
  return 0.05 + 0.95 * 0.5 * (1 + std::cos(M_PI * t));
}

const std::vector<std::string>& resume_keys() {
  static const std::vector<std::string> keys = {"input",      "vocab",     "cell",       "layers", "hidden",
                                                "dropout",    "seq_len",   "batch_size", "lr",     "schedule",
                                                "clip_value", "clip_norm", "seed"};
  return keys;
}

}  // namespace torchlab::text
