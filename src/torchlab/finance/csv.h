#pragma once
// Streaming CSV: a reader that hands out chunks of rows with their line numbers (bounded memory for any file size),
// and an output file that appears only when complete.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace torchlab::finance {

struct CsvChunk {
  std::string text;                    // the bytes the rows point into
  std::vector<std::string_view> rows;  // each row without its line break
  std::vector<int64_t> lines;          // 1-based line number of each row in the file
  int64_t first_row = 0;               // 1-based data row number of rows[0] (the header is not a row)
};

class CsvReader {
 public:
  static constexpr size_t kBlock = 1 << 20;  // bytes read at a time

  // Opens the file and reads its header (the first non-blank line); a missing or empty file is a UserError.
  explicit CsvReader(const std::filesystem::path& path);
  // Reads CSV text already in memory, `block` bytes at a time; `name` stands for the file in messages.
  CsvReader(std::string bytes, const std::string& name, size_t block = kBlock);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& header() const { return header_; }
  const std::string& header_line() const { return header_line_; }
  std::string name() const { return path_.filename().string(); }
  // Reads up to max_rows more rows (blank lines skipped); false when none are left.
  bool next(int64_t max_rows, CsvChunk& chunk);
  int64_t bytes_read() const { return bytes_read_; }
  int64_t file_size() const { return file_size_; }

 private:
  void read_header();
  bool fill(std::string& text);  // appends the next block; false at end of file
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::string memory_;  // the text of an in-memory reader
  bool in_memory_ = false;
  size_t block_ = kBlock;
  std::string pending_;
  std::vector<std::string> header_;
  std::string header_line_;
  int64_t line_ = 0, row_ = 0, bytes_read_ = 0, file_size_ = 0;
  bool eof_ = false;
};

// Splits one CSV line at commas into `fields` (views into `line`). A field in double quotes may hold commas and
// "" for a quote; its view excludes the outer quotes. Surrounding spaces are trimmed.
void split_csv(std::string_view line, std::vector<std::string_view>& fields);
// A field as a CSV value: quoted when it holds a comma, quote or line break.
std::string csv_field(std::string_view text);

}  // namespace torchlab::finance
