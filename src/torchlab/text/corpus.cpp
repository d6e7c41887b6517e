#include "torchlab/text/corpus.h"

#include <torch/torch.h>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"

namespace torchlab::text {

int64_t valid_length(int64_t n) { return n / 20; }

int64_t min_text_length(int64_t seq_len) {
  int64_t n = seq_len + 1;
  while (n - valid_length(n) < seq_len + 1 || valid_length(n) < 2) ++n;
  return n;
}

Corpus make_corpus(const std::string& text, VocabKind kind, int64_t seq_len, const std::string& source,
                   const Vocab* vocab) {
  if (text.empty())
    throw UserError(source + " is empty; give a text file with at least " + std::to_string(min_text_length(seq_len)) +
                    " characters");
  Corpus c;
  c.source = source;
  c.vocab = vocab ? *vocab : Vocab::build(text, kind, source);
  const auto labels = c.vocab.encode(text, source);
  const auto n = static_cast<int64_t>(labels.size());
  const int64_t need = min_text_length(seq_len);
  if (n < need)
    throw UserError(source + " has " + std::to_string(n) + " characters; with a sequence length of " +
                    std::to_string(seq_len) + " it must have at least " + std::to_string(need) + " (one window of " +
                    std::to_string(seq_len + 1) +
                    " in the training 95 % and 2 for validation); give a longer text or a smaller --seq-len");
  auto all = torch::tensor(labels, torch::kInt64);
  const int64_t nv = valid_length(n);
  c.train = all.narrow(0, 0, n - nv).clone();
  c.valid = all.narrow(0, n - nv, nv).clone();
  return c;
}

Corpus load_corpus(const std::filesystem::path& path, VocabKind kind, int64_t seq_len, const Vocab* vocab) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw UserError("input text " + path.string() + " does not exist" +
                    (path.filename() == "moby-dick.txt" ? "; run scripts/setup.sh (make setup) to fetch it" : "") +
                    ", or give another file with --input");
  if (std::filesystem::is_directory(path, ec))
    throw UserError("input text " + path.string() + " is a folder, not a file");
  return make_corpus(read_file(path), kind, seq_len, path.string(), vocab);
}

}  // namespace torchlab::text
