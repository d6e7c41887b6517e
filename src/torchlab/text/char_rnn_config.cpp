#include "torchlab/text/char_rnn_config.h"

#include <algorithm>
#include <cmath>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/text/vocab.h"

namespace torchlab::text {

const ConfigFields<CharRnnConfig>& char_rnn_fields() {
  using C = CharRnnConfig;
  static const ConfigFields<C> table = [] {
    ConfigFields<C> t;
    t.add<std::string>("preset", &C::preset, "default (trains well per CPU minute) | tch (tch-rs's example exactly)")
        .check<std::string>(one_of({"default", "tch"}))
        .not_from_preset();
    t.add<std::string>("input", &C::input, "text file to learn").fixed_on_resume().shown_default(kDefaultCorpus);
    t.add<std::string>("vocab", &C::vocab, "bytes (tch-rs: one label per byte) | chars (UTF-8 code points)")
        .fixed_on_resume()
        .check<std::string>(one_of({"bytes", "chars"}));
    // The model's fields; validate(ModelOptions) checks them, for the model's constructor too.
    t.add<std::string>(
         "cell", [](C& c) -> std::string& { return c.model.cell; }, "lstm | gru")
        .fixed_on_resume();
    t.add<int64_t>(
         "layers", [](C& c) -> int64_t& { return c.model.layers; }, "recurrent layers")
        .fixed_on_resume();
    t.add<int64_t>(
         "hidden", [](C& c) -> int64_t& { return c.model.hidden; }, "hidden units per layer")
        .fixed_on_resume();
    t.add<double>(
         "dropout", [](C& c) -> double& { return c.model.dropout; },
         "dropout between layers and before the output layer")
        .fixed_on_resume();
    t.add<std::string>(
         "impl", [](C& c) -> std::string& { return c.model.impl; },
         "auto (fused LSTM on CPU, torch::nn elsewhere) | fused | torch")
        .optional()
        .not_from_preset();
    t.add<std::string>(
         "precision", [](C& c) -> std::string& { return c.model.precision; },
         "fp32 | bf16 (mixed, CPU: the LSTM's and output layer's matrix products on bf16 operands, "
         "fast on CPUs with AMX or AVX512-BF16)")
        .optional()
        .not_from_preset();
    t.add<int64_t>(
         "vocab_size", [](C& c) -> int64_t& { return c.model.vocab; }, "symbols (from the text)")
        .no_flag();
    t.add<int64_t>("seq_len", &C::seq_len, "characters per training window")
        .fixed_on_resume()
        .check(at_least<int64_t>(1));
    t.add<int64_t>("batch_size", &C::batch_size, "windows per step").fixed_on_resume().check(at_least<int64_t>(1));
    t.add<int64_t>("epochs", &C::epochs, "passes over the training text (default: 20, tch 10)")
        .check(at_least<int64_t>(1));
    t.add<double>("lr", &C::lr, "Adam learning rate").fixed_on_resume().check(positive());
    t.add<std::string>("schedule", &C::schedule, "learning rate: constant | cosine")
        .fixed_on_resume()
        .check<std::string>(one_of({"constant", "cosine"}));
    t.add<double>("clip_value", &C::clip_value, "clamp each gradient value to [-v, v] (0 = off)")
        .fixed_on_resume()
        .check(zero_or_positive());
    t.add<double>("clip_norm", &C::clip_norm, "scale gradients to global norm <= v (0 = off)")
        .fixed_on_resume()
        .check(zero_or_positive());
    t.add<int64_t>("sample_length", &C::sample_length, "characters sampled after each epoch")
        .check(at_least<int64_t>(0));
    t.add<double>("sample_temperature", &C::sample_temperature, "temperature of the per-epoch samples")
        .flag("temperature")
        .check(positive());
    t.add<uint64_t>("seed", &C::seed, "random seed").fixed_on_resume().no_flag();  // the common --seed
    return t;
  }();
  return table;
}

nlohmann::json CharRnnConfig::to_json() const {
  auto j = char_rnn_fields().to_json(*this);
  j["task"] = "char-rnn";
  if (!init_from.is_null()) j["init_from"] = init_from;
  return j;
}

CharRnnConfig CharRnnConfig::from_json(const nlohmann::json& j) {
  CharRnnConfig c;
  char_rnn_fields().from_json(c, j, "char-rnn config");
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
    throw FieldError("preset", name, "expected default or tch");
  }
  return c;
}

void validate(const CharRnnConfig& c) {
  char_rnn_fields().validate(c);
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

}  // namespace torchlab::text
