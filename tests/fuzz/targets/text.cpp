// A training text on arbitrary bytes: UTF-8 decoding, vocabulary building (bytes or chars, picked by the input's
// length) and the corpus split, then the round trip labels -> text, which must give the text back.
// fuzz-sources: text/vocab.cpp text/corpus.cpp core/atomic_file.cpp
// fuzz-max-len: 16384
#include <cstdint>
#include <string>
#include <vector>

#include "torchlab/core/error.h"
#include "torchlab/text/corpus.h"

using namespace torchlab::text;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const VocabKind kind = size & 1 ? VocabKind::Chars : VocabKind::Bytes;
  const int64_t seq_len = 1 + (size >> 1) % 16;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const Vocab vocab = Vocab::build(text, kind, "fuzz.txt");
    if (vocab.decode(vocab.encode(text, "fuzz.txt")) != text) __builtin_trap();
    const Corpus corpus = make_corpus(text, kind, seq_len, "fuzz.txt");
    std::vector<int64_t> labels;
    for (const auto& part : {corpus.train, corpus.valid}) {
      const auto* p = part.data_ptr<int64_t>();
      labels.insert(labels.end(), p, p + part.numel());
    }
    if (corpus.vocab.decode(labels) != text) __builtin_trap();
    const Vocab again = Vocab::from_json(corpus.vocab.to_json());
    if (again.size() != corpus.vocab.size()) __builtin_trap();
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
