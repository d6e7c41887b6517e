#pragma once
// Typed reads of one key of a JSON object (config.json, checkpoint metadata). nlohmann's own get<T>() throws
// json::type_error for a wrong type and converts an out-of-range number with an undefined cast (1e300 into an
// int64); these check both and throw a UserError naming `what` (the file or object) and the key.
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlab/core/error.h"

namespace torchlab {
namespace json_detail {

[[noreturn]] inline void bad_field(const nlohmann::json& v, const std::string& key, const std::string& what,
                                   const char* expected) {
  std::string shown = v.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw UserError(what + ": \"" + key + "\" is " + shown + ", expected " + expected);
}

template <typename T>
T convert(const nlohmann::json& v, const std::string& key, const std::string& what) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) bad_field(v, key, what, "a string");
    return v.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) bad_field(v, key, what, "true or false");
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    // Integers as JSON integers, or as floats with an integral value (hand-edited "64.0"), within T's range.
    const char* expected = std::is_signed_v<T> ? "an integer" : "a non-negative integer";
    if (v.is_number_unsigned()) {
      const auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) bad_field(v, key, what, "a smaller integer");
      return static_cast<T>(u);
    }
    if (v.is_number_integer()) {
      const auto i = v.get<int64_t>();
      if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          (i > 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
        bad_field(v, key, what, expected);
      return static_cast<T>(i);
    }
    if (v.is_number_float()) {
      const double d = v.get<double>();
      // 2^63 and 2^64 are exact doubles; a value below them converts without overflow.
      const double limit = std::is_signed_v<T> && sizeof(T) == 8 ? 9223372036854775808.0
                           : sizeof(T) == 8                      ? 18446744073709551616.0
                                            : static_cast<double>(std::numeric_limits<T>::max()) + 1;
      const double low = std::is_signed_v<T> ? -limit : 0.0;
      if (std::floor(d) == d && d >= low && d < limit) return static_cast<T>(d);
    }
    bad_field(v, key, what, expected);
  } else {
    static_assert(std::is_floating_point_v<T>, "json_field reads strings, bools, integers, floats and their vectors");
    if (!v.is_number()) bad_field(v, key, what, "a number");
    return v.get<T>();
  }
}

template <typename T>
struct Reader {
  static T read(const nlohmann::json& v, const std::string& key, const std::string& what) {
    return convert<T>(v, key, what);
  }
};
template <typename T>
struct Reader<std::vector<T>> {
  static std::vector<T> read(const nlohmann::json& v, const std::string& key, const std::string& what) {
    if (!v.is_array()) bad_field(v, key, what, "a list");
    std::vector<T> out;
    for (const auto& item : v) out.push_back(convert<T>(item, key, what));
    return out;
  }
};

inline void need_object(const nlohmann::json& j, const std::string& key, const std::string& what) {
  if (!j.is_object())
    throw UserError(what + " is " + std::string(j.type_name()) + ", expected a JSON object (reading \"" + key + "\")");
}

}  // namespace json_detail

// j[key] as T; a missing key, a wrong type or an out-of-range number is a UserError.
template <typename T>
T json_field(const nlohmann::json& j, const std::string& key, const std::string& what) {
  json_detail::need_object(j, key, what);
  const auto it = j.find(key);
  if (it == j.end()) throw UserError(what + " has no \"" + key + "\"");
  return json_detail::Reader<T>::read(*it, key, what);
}

// j[key] as T, or `fallback` when the key is missing (or null).
template <typename T>
T json_field_or(const nlohmann::json& j, const std::string& key, T fallback, const std::string& what) {
  json_detail::need_object(j, key, what);
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return json_detail::Reader<T>::read(*it, key, what);
}

// j[key] as a JSON object (a section of checkpoint metadata, say); missing or not an object is a UserError.
inline const nlohmann::json& json_object(const nlohmann::json& j, const std::string& key, const std::string& what) {
  json_detail::need_object(j, key, what);
  const auto it = j.find(key);
  if (it == j.end()) throw UserError(what + " has no \"" + key + "\"");
  if (!it->is_object()) json_detail::bad_field(*it, key, what, "a JSON object");
  return *it;
}

}  // namespace torchlab
