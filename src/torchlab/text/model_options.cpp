#include "torchlab/text/model_options.h"

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"

namespace torchlab::text {

nlohmann::json to_json(const ModelOptions& o) {
  return {{"cell", o.cell},       {"vocab", o.vocab}, {"hidden", o.hidden},      {"layers", o.layers},
          {"dropout", o.dropout}, {"impl", o.impl},   {"precision", o.precision}};
}

ModelOptions model_options_from_json(const nlohmann::json& j) {
  const std::string what = "model options";
  ModelOptions o;
  o.cell = json_field<std::string>(j, "cell", what);
  o.vocab = json_field<int64_t>(j, "vocab", what);
  o.hidden = json_field<int64_t>(j, "hidden", what);
  o.layers = json_field<int64_t>(j, "layers", what);
  o.dropout = json_field<double>(j, "dropout", what);
  o.impl = json_field_or<std::string>(j, "impl", "auto", what);
  o.precision = json_field_or<std::string>(j, "precision", "fp32", what);
  return o;
}

void validate(const ModelOptions& o) {
  if (o.cell != "lstm" && o.cell != "gru") throw UserError("--cell " + o.cell + ": expected lstm or gru");
  if (o.hidden < 1) throw UserError("--hidden " + std::to_string(o.hidden) + ": must be at least 1");
  if (o.layers < 1) throw UserError("--layers " + std::to_string(o.layers) + ": must be at least 1");
  if (!(o.dropout >= 0 && o.dropout < 1))
    throw UserError("--dropout " + std::to_string(o.dropout) + ": must be in [0, 1)");
  if (o.impl != "auto" && o.impl != "fused" && o.impl != "torch")
    throw UserError("--impl " + o.impl + ": expected auto, fused or torch");
  if (o.impl == "fused" && o.cell != "lstm") throw UserError("--impl fused is for --cell lstm; use auto or torch");
  if (o.precision != "fp32" && o.precision != "bf16")
    throw UserError("--precision " + o.precision + ": expected fp32 or bf16");
  if (o.precision == "bf16" && (o.cell != "lstm" || o.impl == "torch"))
    throw UserError("--precision bf16 is the fused LSTM's (--cell lstm, --impl auto or fused); use --precision fp32");
  if (o.vocab < 1) throw UserError("the vocabulary is empty");
}

}  // namespace torchlab::text
