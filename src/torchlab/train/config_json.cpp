#include "torchlab/train/config_json.h"

#include "torchlab/core/error.h"

namespace torchlab::train {

nlohmann::json parse_config_json(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(source + " is not valid JSON: " + e.what());
  }
  // A task reads its settings by key: an array or a number here would fail later as nlohmann's type_error.
  if (!j.is_object()) throw UserError(source + " holds a JSON " + j.type_name() + ", expected an object of settings");
  return j;
}

}  // namespace torchlab::train
