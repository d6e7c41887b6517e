// The greeks / implied-vol CSV reader on arbitrary text: header, rows in chunks, fields. The input's length picks
// the read block size and rows per chunk, so that rows and line breaks fall across block boundaries.
// fuzz-sources: finance/csv.cpp
// fuzz-max-len: 8192
#include "torchlab/finance/csv.h"

#include <cstdint>
#include <string>
#include <vector>

#include "torchlab/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const size_t block = 1 + size % 61;
  const int64_t rows = 1 + size / 61 % 16;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    torchlab::finance::CsvReader in(text, "fuzz.csv", block);
    std::vector<std::string_view> fields;
    torchlab::finance::split_csv(in.header_line(), fields);
    torchlab::finance::CsvChunk chunk;
    int64_t last_line = 0;
    while (in.next(rows, chunk)) {
      for (size_t i = 0; i < chunk.rows.size(); ++i) {
        if (chunk.rows[i].find('\n') != std::string_view::npos) __builtin_trap();  // a row holds a line break
        if (chunk.lines[i] <= last_line) __builtin_trap();                         // line numbers go forward
        last_line = chunk.lines[i];
        torchlab::finance::split_csv(chunk.rows[i], fields);
        for (auto f : fields) (void)torchlab::finance::csv_field(f);
      }
    }
    if (in.bytes_read() != static_cast<int64_t>(text.size())) __builtin_trap();  // every byte was read
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
