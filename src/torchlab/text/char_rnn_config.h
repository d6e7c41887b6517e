#pragma once
// Everything a char-rnn run is made of, as one plain struct: what config.json and each checkpoint's meta hold, so
// --resume and `sample` rebuild the exact model.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchlab/core/config_fields.h"
#include "torchlab/core/memory.h"
#include "torchlab/text/model_options.h"

namespace torchlab::text {

// The text a char-rnn learns when none is given (find_default_corpus looks for it).
constexpr const char* kDefaultCorpus = "data/moby-dick.txt";

struct CharRnnConfig {
  std::string preset = "default";  // default | tch
  std::string input;               // text file
  std::string vocab = "chars";     // bytes | chars
  ModelOptions model;              // model.vocab is filled from the text
  int64_t seq_len = 128;
  int64_t batch_size = 64;
  int64_t epochs = 20;
  double lr = 3e-3;
  std::string schedule = "cosine";  // constant | cosine (to 5 % of lr at the end)
  double clip_value = 0;            // per-value gradient clip (tch-rs backward_step_clip); 0 = off
  double clip_norm = 5;             // global L2 norm clip; 0 = off
  int64_t sample_length = 500;      // characters sampled after each epoch
  double sample_temperature = 0.8;
  uint64_t seed = 42;
  // Where the starting weights came from (--init-from): {path, bytes, crc32}; null = random initialization.
  nlohmann::json init_from;

  nlohmann::json to_json() const;
  static CharRnnConfig from_json(const nlohmann::json& j);
};

// The values of a preset: "tch" (tch-rs's example: bytes, 1 LSTM layer of 256, Adam 0.01, clip 0.5 per value,
// sequence 180, batch 256, 1024-character samples at temperature 1) or "default" (trains better per CPU minute).
CharRnnConfig preset_config(const std::string& name);
// The config's fields: JSON keys, CLI flags, checks, what a resume must keep.
const ConfigFields<CharRnnConfig>& char_rnn_fields();
// Checks every value (a FieldError naming the field).
void validate(const CharRnnConfig& c);
// What training needs in memory, from the config (model.vocab known): parameters, their gradients and Adam's two
// moments, the checkpoint being encoded, and the activations a batch x seq_len step keeps for backward.
std::vector<MemoryPart> training_memory(const CharRnnConfig& c);
// Arithmetic of one training step (6 x parameters x characters), for the device rule (core/device.h).
double training_step_flops(const CharRnnConfig& c);
// Learning-rate multiplier at `step` of `total`.
double lr_factor(const std::string& schedule, int64_t step, int64_t total);

}  // namespace torchlab::text
