#pragma once
// A training text as label ids: read, vocabulary built (or given), split into training (first 95 %) and validation
// (last 5 %) parts.
#include <torch/types.h>

#include <filesystem>
#include <string>

#include "torchlab/text/vocab.h"

namespace torchlab::text {

struct Corpus {
  std::string source;  // file name for messages
  Vocab vocab;
  torch::Tensor train;  // int64 labels [n_train]
  torch::Tensor valid;  // int64 labels [n_valid]
  int64_t size() const { return train.numel() + valid.numel(); }
};

// The validation part's length for a text of n symbols (5 %, rounded down).
int64_t valid_length(int64_t n);
// Smallest text length whose training part holds one window of seq_len + 1 symbols and whose validation part two.
int64_t min_text_length(int64_t seq_len);

// Splits `text`; a text too short for one window is a UserError saying how long it must be. With `vocab` null the
// vocabulary is built from the whole text; otherwise the text must use only its symbols.
Corpus make_corpus(const std::string& text, VocabKind kind, int64_t seq_len, const std::string& source,
                   const Vocab* vocab = nullptr);
// Reads `path` (a missing or empty file is a UserError) and calls make_corpus.
Corpus load_corpus(const std::filesystem::path& path, VocabKind kind, int64_t seq_len, const Vocab* vocab = nullptr);

}  // namespace torchlab::text
