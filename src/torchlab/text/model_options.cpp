#include "torchlab/text/model_options.h"

#include "torchlab/core/config_fields.h"
#include "torchlab/core/error.h"

namespace torchlab::text {

void validate(const ModelOptions& o) {
  if (o.cell != "lstm" && o.cell != "gru") throw FieldError("cell", o.cell, "expected lstm or gru");
  if (o.hidden < 1) throw FieldError("hidden", std::to_string(o.hidden), "must be at least 1");
  if (o.layers < 1) throw FieldError("layers", std::to_string(o.layers), "must be at least 1");
  if (!(o.dropout >= 0 && o.dropout < 1)) throw FieldError("dropout", show_value(o.dropout), "must be in [0, 1)");
  if (o.impl != "auto" && o.impl != "fused" && o.impl != "torch")
    throw FieldError("impl", o.impl, "expected auto, fused or torch");
  if (o.impl == "fused" && o.cell != "lstm")
    throw FieldError("impl", o.impl, "is for the lstm cell; use auto or torch");
  if (o.precision != "fp32" && o.precision != "bf16")
    throw FieldError("precision", o.precision, "expected fp32 or bf16");
  if (o.precision == "bf16" && (o.cell != "lstm" || o.impl == "torch"))
    throw FieldError("precision", o.precision, "is the fused LSTM's (cell lstm, impl auto or fused); use fp32");
  if (o.vocab < 1) throw UserError("the vocabulary is empty");
}

}  // namespace torchlab::text
