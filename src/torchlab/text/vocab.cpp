#include "torchlab/text/vocab.h"

#include <cstdio>
#include <set>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"

namespace torchlab::text {

VocabKind parse_vocab_kind(const std::string& name) {
  if (name == "bytes") return VocabKind::Bytes;
  if (name == "chars") return VocabKind::Chars;
  throw UserError("--vocab " + name +
                  ": expected bytes (one label per byte, like tch-rs) or chars (UTF-8 code points)");
}

std::string vocab_kind_name(VocabKind kind) { return kind == VocabKind::Bytes ? "bytes" : "chars"; }

std::vector<uint32_t> decode_utf8(std::string_view text, const std::string& source) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  auto fail = [&](const char* why) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", s[i]);
    throw UserError(source + " is not valid UTF-8 at byte offset " + std::to_string(i) + " (byte " + hex + ": " + why +
                    "); fix the file or use --vocab bytes");
  };
  while (i < n) {
    const unsigned char b = s[i];
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    int len;
    uint32_t cp, min;
    if ((b & 0xE0) == 0xC0)
      len = 2, cp = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0)
      len = 3, cp = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0)
      len = 4, cp = b & 0x07, min = 0x10000;
    else
      fail("not a valid leading byte");
    if (i + len > n) fail("sequence cut off by the end of the text");
    for (int k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) fail("continuation byte missing");
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min) fail("overlong encoding");
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("not a Unicode scalar value");
    out.push_back(cp);
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string describe_symbol(uint32_t symbol, VocabKind kind) {
  char buf[32];
  if (symbol >= 0x20 && symbol < 0x7F) {
    std::snprintf(buf, sizeof buf, "'%c'", static_cast<char>(symbol));
  } else if (kind == VocabKind::Bytes) {
    std::snprintf(buf, sizeof buf, "byte 0x%02X", symbol);
  } else {
    std::string utf8;
    append_utf8(utf8, symbol);
    std::snprintf(buf, sizeof buf, "U+%04X", symbol);
    if (symbol >= 0xA0) return std::string(buf) + " '" + utf8 + "'";
  }
  return buf;
}

void Vocab::add(uint32_t symbol) {
  if (index_.emplace(symbol, static_cast<int64_t>(symbols_.size())).second) symbols_.push_back(symbol);
}

std::vector<uint32_t> Vocab::split(std::string_view text, const std::string& source) const {
  if (kind_ == VocabKind::Chars) return decode_utf8(text, source);
  return std::vector<uint32_t>(reinterpret_cast<const unsigned char*>(text.data()),
                               reinterpret_cast<const unsigned char*>(text.data()) + text.size());
}

Vocab Vocab::build(std::string_view text, VocabKind kind, const std::string& source) {
  Vocab v;
  v.kind_ = kind;
  if (kind == VocabKind::Bytes) {
    for (unsigned char c : text) v.add(c);
  } else {
    for (uint32_t cp : decode_utf8(text, source)) v.add(cp);
  }
  return v;
}

Vocab Vocab::from_json(const nlohmann::json& j) {
  const std::string what = "checkpoint vocabulary";
  if (!j.is_object() || !j.contains("kind") || !j.contains("symbols"))
    throw UserError("checkpoint vocabulary is malformed: expected {\"kind\", \"symbols\"}");
  Vocab v;
  v.kind_ = parse_vocab_kind(json_field<std::string>(j, "kind", what));
  const auto symbols = json_field<std::vector<uint32_t>>(j, "symbols", what);
  const uint32_t top = v.kind_ == VocabKind::Bytes ? 0xFF : 0x10FFFF;
  for (uint32_t s : symbols) {
    if (s > top || (v.kind_ == VocabKind::Chars && s >= 0xD800 && s <= 0xDFFF))
      throw UserError("checkpoint vocabulary holds " + std::to_string(s) + ", which is not a " +
                      (v.kind_ == VocabKind::Bytes ? "byte" : "Unicode scalar value"));
    v.add(s);
  }
  if (v.symbols_.size() != symbols.size()) throw UserError("checkpoint vocabulary repeats a symbol");
  return v;
}

nlohmann::json Vocab::to_json() const { return {{"kind", vocab_kind_name(kind_)}, {"symbols", symbols_}}; }

std::vector<int64_t> Vocab::encode(std::string_view text, const std::string& what) const {
  const auto symbols = split(text, what);
  std::vector<int64_t> labels;
  labels.reserve(symbols.size());
  std::set<uint32_t> unknown;
  for (uint32_t s : symbols) {
    auto it = index_.find(s);
    if (it == index_.end()) {
      unknown.insert(s);
    } else {
      labels.push_back(it->second);
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (uint32_t s : unknown) list += (list.empty() ? "" : ", ") + describe_symbol(s, kind_);
    throw UserError(what + " has " + std::to_string(unknown.size()) + " character" + (unknown.size() > 1 ? "s" : "") +
                    " the model's vocabulary does not have: " + list + "; use only characters of the training text");
  }
  return labels;
}

std::string Vocab::decode_one(int64_t label) const {
  const uint32_t s = symbols_.at(label);
  if (kind_ == VocabKind::Bytes) return std::string(1, static_cast<char>(s));
  std::string out;
  append_utf8(out, s);
  return out;
}

std::string Vocab::decode(const std::vector<int64_t>& labels) const {
  std::string out;
  for (int64_t l : labels) out += decode_one(l);
  return out;
}

}  // namespace torchlab::text
