#pragma once
// One table of fields per task config: each field's key (its JSON name, and its name in library messages), its CLI
// spelling, help, the member it reads and writes, and its check. The table drives the JSON round trip (config.json
// and checkpoint metadata), validation, the keys a resume compares, and, in the CLI, the flags (apps/torchlab binds
// them by type). No config writes JSON by hand.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"

namespace torchlab {

// A config value that fails its check, in the config's words ("hidden 0: must be at least 1"). The CLI shows the
// same with the field's flag ("--hidden 0: must be at least 1").
class FieldError : public UserError {
 public:
  FieldError(std::string key, std::string value, std::string problem)
      : UserError(key + (value.empty() ? "" : " " + value) + ": " + problem),
        key_(std::move(key)),
        value_(std::move(value)),
        problem_(std::move(problem)) {}
  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }  // as the user would write it; may be empty
  const std::string& problem() const { return problem_; }

 private:
  std::string key_, value_, problem_;
};

// How a value is written in a message: integers plainly, reals in the shortest form that reads back the same.
template <typename T>
std::string show_value(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_floating_point_v<T>) {
    return nlohmann::json(v).dump();
  } else if constexpr (std::is_arithmetic_v<T>) {
    return std::to_string(v);
  } else {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + show_value(x);
    return out;
  }
}

template <typename Config>
class ConfigFields {
 public:
  // The member a field stands for, by type (the CLI binds a typed option to it).
  template <typename T>
  using Ref = std::function<T&(Config&)>;
  using AnyRef = std::variant<Ref<std::string>, Ref<int64_t>, Ref<int>, Ref<uint64_t>, Ref<double>, Ref<bool>,
                              Ref<std::vector<int64_t>>>;

  struct Field {
    std::string key;   // JSON key; the name library messages use
    std::string flag;  // CLI flag without the dashes
    std::string help;
    AnyRef ref;
    std::function<void(const Config&)> check;  // throws FieldError; empty = any value of the type
    bool resume_fixed = false;                 // a resumed run refuses a different value
    bool optional = false;                     // a JSON object without it keeps the current value
    bool cli = true;                           // a flag of its own (false: set otherwise, e.g. --seed, or derived)
    bool from_preset = true;                   // a preset sets it (the CLI shows "preset" as its default)
    std::string shown_default;                 // the default the CLI shows, when not the preset's or the value
    std::function<nlohmann::json(const Config&)> get;
    std::function<void(Config&, const nlohmann::json&, const std::string& what)> set;
  };

  // Field options, chained: fields.add(...).fixed_on_resume().check(...)
  class Adder {
   public:
    explicit Adder(Field& f) : f_(f) {}
    Adder& flag(std::string name) {
      f_.flag = std::move(name);
      return *this;
    }
    Adder& fixed_on_resume() {
      f_.resume_fixed = true;
      return *this;
    }
    Adder& optional() {
      f_.optional = true;
      return *this;
    }
    Adder& no_flag() {
      f_.cli = false;
      return *this;
    }
    Adder& not_from_preset() {
      f_.from_preset = false;
      return *this;
    }
    Adder& shown_default(std::string text) {
      f_.shown_default = std::move(text);
      return *this;
    }
    template <typename T>
    Adder& check(std::function<std::string(const T& value)> problem) {  // "" = fine, else what is wrong
      auto ref = std::get<Ref<T>>(f_.ref);
      const std::string key = f_.key;
      f_.check = [ref, key, problem](const Config& c) {
        const T& v = ref(const_cast<Config&>(c));
        const std::string p = problem(v);
        if (!p.empty()) throw FieldError(key, show_value(v), p);
      };
      return *this;
    }

    // A check that needs other fields too; the message shows this field's value.
    Adder& check_config(std::function<std::string(const Config&)> problem) {
      const std::string key = f_.key;
      auto get = f_.get;
      f_.check = [key, get, problem](const Config& c) {
        const std::string p = problem(c);
        if (p.empty()) return;
        const auto v = get(c);
        throw FieldError(key, v.is_string() ? v.template get<std::string>() : v.dump(), p);
      };
      return *this;
    }

   private:
    Field& f_;
  };

  template <typename T>
  Adder add(std::string key, Ref<T> ref, std::string help) {
    Field f;
    f.key = key;
    f.flag = key;
    for (auto& ch : f.flag)
      if (ch == '_') ch = '-';
    f.help = std::move(help);
    f.ref = ref;
    f.get = [ref](const Config& c) { return nlohmann::json(ref(const_cast<Config&>(c))); };
    f.set = [ref, key](Config& c, const nlohmann::json& j, const std::string& what) {
      ref(c) = json_field<T>(j, key, what);
    };
    fields_.push_back(std::move(f));
    return Adder(fields_.back());
  }

  template <typename T>
  Adder add(std::string key, T Config::*member, std::string help) {
    return add<T>(std::move(key), Ref<T>([member](Config& c) -> T& { return c.*member; }), std::move(help));
  }

  void make_optional(const std::string& key) {
    for (auto& f : fields_)
      if (f.key == key) f.optional = true;
  }

  const std::vector<Field>& fields() const { return fields_; }
  const Field* find(const std::string& key) const {
    for (const auto& f : fields_)
      if (f.key == key) return &f;
    return nullptr;
  }

  nlohmann::json to_json(const Config& c) const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& f : fields_) j[f.key] = f.get(c);
    return j;
  }
  // Every field from `j` into `c`; a missing one is an error unless optional (then `c` keeps its value).
  void from_json(Config& c, const nlohmann::json& j, const std::string& what) const {
    if (!j.is_object()) throw UserError(what + " is " + std::string(j.type_name()) + ", expected a JSON object");
    for (const auto& f : fields_)
      if (!f.optional || j.contains(f.key)) f.set(c, j, what);
  }
  // Runs every field's check, in table order.
  void validate(const Config& c) const {
    for (const auto& f : fields_)
      if (f.check) f.check(c);
  }
  std::vector<std::string> resume_keys() const {
    std::vector<std::string> keys;
    for (const auto& f : fields_)
      if (f.resume_fixed) keys.push_back(f.key);
    return keys;
  }

 private:
  std::vector<Field> fields_;
};

// Common checks.
template <typename T>
std::function<std::string(const T&)> at_least(T low) {
  return [low](const T& v) { return v >= low ? "" : "must be at least " + show_value(low); };
}
inline std::function<std::string(const double&)> positive() {
  return [](const double& v) { return v > 0 ? "" : std::string("must be positive"); };
}
inline std::function<std::string(const double&)> zero_or_positive() {
  return [](const double& v) { return v >= 0 ? "" : std::string("must be 0 (off) or positive"); };
}
inline std::function<std::string(const std::string&)> one_of(std::vector<std::string> choices) {
  return [choices](const std::string& v) {
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == v) return std::string();
      list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    }
    return "expected " + list;
  };
}

}  // namespace torchlab
