#pragma once
// A char-rnn checkpoint as an exported web page holds it (interop/web_page.h): the recurrent stack and the head in
// float32 under the PyTorch state_dict names, and metadata kind = "char-rnn", vocab (JSON), cell, layers, hidden.
#include <filesystem>

#include "torchlab/interop/safetensors.h"

namespace torchlab::text {

interop::Safetensors char_rnn_web_model(const std::filesystem::path& checkpoint);

}  // namespace torchlab::text
