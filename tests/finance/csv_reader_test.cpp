// The CSV reader on text in memory (what the csv fuzz target drives): any read block size gives the rows, line
// numbers and header that reading the file gives.
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/finance/csv.h"

using namespace torchlab;
using namespace torchlab::finance;

namespace {

struct Rows {
  std::vector<std::string> header, rows;
  std::vector<int64_t> lines;
};

Rows read_all(CsvReader& in, int64_t per_chunk) {
  Rows r;
  r.header = in.header();
  CsvChunk chunk;
  while (in.next(per_chunk, chunk)) {
    for (auto row : chunk.rows) r.rows.emplace_back(row);
    r.lines.insert(r.lines.end(), chunk.lines.begin(), chunk.lines.end());
  }
  return r;
}

}  // namespace

TEST(CsvReader, InMemoryMatchesTheFileForEveryBlockSize) {
  const std::string text =
      "\xEF\xBB\xBF\n  type, \"for,ward\" ,strike\r\ncall,100,95\r\n\n  \nput,\"1\"\"0\",105\nc,1,2";
  testing_support::TempDir dir;
  testing_support::write_text(dir / "in.csv", text);
  CsvReader file(dir / "in.csv");
  const Rows want = read_all(file, 2);
  EXPECT_EQ(want.header, (std::vector<std::string>{"type", "for,ward", "strike"}));
  EXPECT_EQ(want.rows, (std::vector<std::string>{"call,100,95", "put,\"1\"\"0\",105", "c,1,2"}));
  EXPECT_EQ(want.lines, (std::vector<int64_t>{3, 6, 7}));
  for (size_t block = 1; block <= 9; ++block) {
    CsvReader mem(text, "in.csv", block);
    const Rows got = read_all(mem, 1 + block % 3);
    EXPECT_EQ(got.header, want.header) << block;
    EXPECT_EQ(got.rows, want.rows) << block;
    EXPECT_EQ(got.lines, want.lines) << block;
    EXPECT_EQ(mem.bytes_read(), static_cast<int64_t>(text.size()));
    EXPECT_EQ(mem.name(), "in.csv");
  }
}

TEST(CsvReader, InMemoryBlankTextIsEmpty) {
  for (const std::string text : {"", "\n\n  \r\n", "\xEF\xBB\xBF"}) {
    try {
      CsvReader in(text, "blank.csv", 2);
      ADD_FAILURE() << "no error for '" << text << "'";
    } catch (const UserError& e) {
      EXPECT_EQ(std::string(e.what()), "blank.csv is empty: expected a header row, then one row per option");
    }
  }
}
