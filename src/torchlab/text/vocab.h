#pragma once
// Character vocabularies: labels in order of first appearance in the training text (tch-rs's TextData does this
// for bytes). A vocabulary turns text into label ids and back, and round-trips through JSON for checkpoints.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace torchlab::text {

enum class VocabKind { Bytes, Chars };

VocabKind parse_vocab_kind(const std::string& name);  // "bytes" | "chars", else UserError
std::string vocab_kind_name(VocabKind kind);

// Splits UTF-8 text into code points; invalid UTF-8 is a UserError naming `source` and the byte offset.
std::vector<uint32_t> decode_utf8(std::string_view text, const std::string& source);
void append_utf8(std::string& out, uint32_t code_point);

class Vocab {
 public:
  Vocab() = default;
  // Every symbol of `text` (bytes, or UTF-8 code points) in order of first appearance.
  static Vocab build(std::string_view text, VocabKind kind, const std::string& source = "the text");
  static Vocab from_json(const nlohmann::json& j);  // {"kind": ..., "symbols": [code points or bytes]}
  nlohmann::json to_json() const;

  VocabKind kind() const { return kind_; }
  int64_t size() const { return static_cast<int64_t>(symbols_.size()); }
  uint32_t symbol(int64_t label) const { return symbols_.at(label); }
  bool contains(uint32_t symbol) const { return index_.count(symbol) > 0; }

  // Labels of `text`; a symbol outside the vocabulary is a UserError that lists every such symbol (`what` names the
  // text, e.g. "--prime").
  std::vector<int64_t> encode(std::string_view text, const std::string& what) const;
  std::string decode(const std::vector<int64_t>& labels) const;
  std::string decode_one(int64_t label) const;

 private:
  void add(uint32_t symbol);
  std::vector<uint32_t> split(std::string_view text, const std::string& source) const;
  VocabKind kind_ = VocabKind::Bytes;
  std::vector<uint32_t> symbols_;
  std::unordered_map<uint32_t, int64_t> index_;
};

// A symbol for error messages: printable ASCII as 'x', else U+00E9 / byte 0xE9.
std::string describe_symbol(uint32_t symbol, VocabKind kind);

}  // namespace torchlab::text
