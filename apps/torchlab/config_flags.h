#pragma once
// A task's config fields (core/config_fields.h) as CLI flags: one option per field, bound to the config member by
// its type, and the library's field words turned into flag words in messages.
#include <CLI/CLI.hpp>
#include <functional>
#include <set>
#include <string>
#include <type_traits>

#include "torchlab/core/config_fields.h"

namespace torchlab::cli {

// --<flag> for every field that has one, writing into `target`.
template <typename Config>
void add_config_flags(CLI::App& app, const ConfigFields<Config>& fields, Config& target) {
  for (const auto& f : fields.fields()) {
    if (!f.cli) continue;
    std::visit(
        [&](const auto& ref) {
          using T = std::decay_t<decltype(ref(target))>;
          if constexpr (std::is_same_v<T, bool>) {  // a switch, both ways: --name and --no-name
            app.add_flag("--" + f.flag + ",!--no-" + f.flag, ref(target), f.help);
            return;
          }
          auto* option = app.add_option("--" + f.flag, ref(target), f.help);
          if constexpr (std::is_same_v<T, std::vector<int64_t>>) option->delimiter(',');
          if (!f.shown_default.empty())
            option->default_str(f.shown_default);
          else if (f.from_preset)
            option->default_str("preset");
          else
            option->capture_default_str();
        },
        f.ref);
  }
}

// The keys of the fields whose flags are on the command line.
template <typename Config>
std::set<std::string> given_fields(const CLI::App& app, const ConfigFields<Config>& fields) {
  std::set<std::string> keys;
  for (const auto& f : fields.fields())
    if (f.cli && app.count("--" + f.flag)) keys.insert(f.key);
  return keys;
}

// Runs `body`; a FieldError about one of `fields` comes out naming the flag ("--hidden 0: must be at least 1").
template <typename Config>
void in_flag_words(const ConfigFields<Config>& fields, const std::function<void()>& body) {
  try {
    body();
  } catch (const FieldError& e) {
    const auto* f = fields.find(e.key());
    if (!f || !f->cli) throw;
    throw UserError("--" + f->flag + (e.value().empty() ? "" : " " + e.value()) + ": " + e.problem());
  }
}

}  // namespace torchlab::cli
