#pragma once
// The text of a run's config.json (RunDir::config reads the file; tests and the fuzz target give the text).
#include <nlohmann/json.hpp>
#include <string>

namespace torchlab::train {

// `text` as a JSON object; invalid JSON or any other JSON value is a UserError naming `source`.
nlohmann::json parse_config_json(const std::string& text, const std::string& source);

}  // namespace torchlab::train
