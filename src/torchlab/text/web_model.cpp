#include "torchlab/text/web_model.h"

#include "torchlab/text/char_rnn_task.h"

namespace torchlab::text {

interop::Safetensors char_rnn_web_model(const std::filesystem::path& checkpoint) {
  const auto loaded = load_char_rnn(checkpoint, torch::kCPU);
  const auto& o = loaded.model->options();
  interop::Safetensors out;
  for (const auto& p : loaded.model->named_parameters())
    out.tensors[p.key()] = p.value().detach().to(torch::kFloat).contiguous();
  out.metadata = {{"kind", "char-rnn"},
                  {"vocab", loaded.vocab.to_json().dump()},
                  {"cell", o.cell},
                  {"layers", std::to_string(o.layers)},
                  {"hidden", std::to_string(o.hidden)}};
  return out;
}

}  // namespace torchlab::text
