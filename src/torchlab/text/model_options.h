#pragma once
// The char-rnn model's shape and execution choices, apart from the model itself: configs and checkpoint metadata
// read them without libtorch.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace torchlab::text {

struct ModelOptions {
  std::string cell = "lstm";  // lstm | gru
  int64_t vocab = 0;
  int64_t hidden = 256;
  int64_t layers = 1;
  double dropout = 0;              // between layers and before the head, in training mode
  std::string impl = "auto";       // auto (fused for LSTM on CPU) | fused | torch
  std::string precision = "fp32";  // fp32 | bf16 (mixed: the fused LSTM's recurrent and output GEMMs on bf16 operands)
};
void validate(const ModelOptions& o);  // a FieldError naming the field for a bad value

}  // namespace torchlab::text
