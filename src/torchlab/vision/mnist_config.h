#pragma once
// Everything that defines a Fashion-MNIST run: what config.json and each checkpoint's metadata hold, so --resume,
// eval and predict rebuild the exact model.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchlab/core/config_fields.h"

namespace torchlab::vision {

struct MnistConfig {
  std::string model = "conv";  // linear | mlp | conv
  std::string data;            // dataset folder
  std::string classes;         // fashion | digits (resolved from "auto" when training starts)
  int64_t epochs = 0;          // 0 = the model's default (default_epochs)
  int64_t batch_size = 256;
  double lr = 0;                    // Adam's learning rate; 0 = the model's default (default_lr)
  std::string schedule = "cosine";  // cosine (decays to 0 over the run) | constant
  std::string augment = "";         // "flip" (random left-right mirror) | "none"; empty = default_augment
  uint64_t seed = 42;
  int64_t train_limit = 0;    // use the first N training images only (0 = all)
  int64_t test_limit = 0;     // evaluate on the first N test images only (0 = all)
  int64_t valid_size = 5000;  // training images held out for validation (valid_split.h): best checkpoint, stopping
  int64_t patience = 3;       // epochs without a lower validation loss before stopping early (0 = never)
  std::string valid_split;    // the held-out images' fingerprint, set when training starts; checked on resume
  // Where the starting weights came from (--init-from): {path, bytes, crc32}; null = random initialization.
  nlohmann::json init_from;

  nlohmann::json to_json() const;
  static MnistConfig from_json(const nlohmann::json& j);  // missing keys keep their defaults
};

// Epochs that reach the accuracy targets (linear 84 %, MLP 88 %, conv 91 %) on Fashion-MNIST.
int64_t default_epochs(const std::string& model);

double default_lr(const std::string& model);
std::string default_augment(const std::string& model);  // "none" for all three

// The learning-rate factor at `step` of `total_steps` ("cosine" or "constant"; UserError otherwise).
double schedule_factor(const std::string& schedule, int64_t step, int64_t total_steps);

// The config's fields: JSON keys, CLI flags, checks, what a resume must keep (epochs may grow; valid_split is
// checked apart, against the data).
const ConfigFields<MnistConfig>& mnist_fields();

}  // namespace torchlab::vision
