#include "torchlab/finance/csv.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "torchlab/core/error.h"

namespace torchlab::finance {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool blank(std::string_view s) { return trim(s).empty(); }

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void split_csv(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < n && line[i] == '"') {
      const size_t start = ++i;
      while (i < n && !(line[i] == '"' && (i + 1 >= n || line[i + 1] != '"'))) i += line[i] == '"' ? 2 : 1;
      fields.push_back(line.substr(start, std::min(i, n) - start));
      while (i < n && line[i] != ',') ++i;  // anything after the closing quote up to the comma is ignored
    } else {
      const size_t start = i;
      while (i < n && line[i] != ',') ++i;
      fields.push_back(trim(line.substr(start, i - start)));
    }
    if (i >= n) break;
    ++i;  // the comma
  }
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

CsvReader::CsvReader(const std::filesystem::path& path) : path_(path) {
  std::error_code dir_ec;
  if (std::filesystem::is_directory(path, dir_ec)) throw UserError(path.string() + " is a folder, not a file");
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_)
    throw UserError("cannot open " + path.string() + ": " +
                    (std::filesystem::exists(path) ? errno_text() : std::string("no such file")));
  std::error_code ec;
  file_size_ = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  read_header();
}

CsvReader::CsvReader(std::string bytes, const std::string& name, size_t block)
    : path_(name), memory_(std::move(bytes)), in_memory_(true), block_(std::max<size_t>(block, 1)) {
  file_size_ = static_cast<int64_t>(memory_.size());
  read_header();
}

void CsvReader::read_header() {
  const auto& path = path_;
  // The header is the first non-blank line.
  std::string text;
  size_t pos = 0;
  while (true) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      if (fill(text)) continue;
      if (pos >= text.size())
        throw UserError(path.string() + " is empty: expected a header row, then one row per option");
    }
    const size_t end = nl == std::string::npos ? text.size() : nl;
    ++line_;
    std::string_view line(text.data() + pos, end - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte order mark
    if (blank(line)) {
      if (pos >= text.size() && !fill(text))
        throw UserError(path.string() + " is empty: expected a header row, then one row per option");
      continue;
    }
    header_line_ = std::string(trim(line));
    std::vector<std::string_view> fields;
    split_csv(header_line_, fields);
    for (auto f : fields) header_.emplace_back(f);
    break;
  }
  pending_ = text.substr(pos);
}

CsvReader::~CsvReader() {
  if (file_) std::fclose(file_);
}

bool CsvReader::fill(std::string& text) {
  if (eof_) return false;
  const size_t old = text.size();
  size_t got;
  if (in_memory_) {
    got = std::min(block_, memory_.size() - static_cast<size_t>(bytes_read_));
    text.append(memory_, static_cast<size_t>(bytes_read_), got);
  } else {
    text.resize(old + block_);
    got = std::fread(text.data() + old, 1, block_, file_);
    text.resize(old + got);
  }
  bytes_read_ += static_cast<int64_t>(got);
  if (got < block_) {
    if (file_ && std::ferror(file_)) throw UserError("cannot read " + path_.string() + ": " + errno_text());
    eof_ = true;
  }
  return got > 0;
}

bool CsvReader::next(int64_t max_rows, CsvChunk& chunk) {
  chunk.text = std::move(pending_);
  pending_.clear();
  chunk.rows.clear();
  chunk.lines.clear();
  chunk.first_row = row_ + 1;
  std::vector<std::pair<size_t, size_t>> spans;  // offsets: text may grow (and move) while reading
  size_t pos = 0;
  while (static_cast<int64_t>(spans.size()) < max_rows) {
    const size_t nl = chunk.text.find('\n', pos);
    if (nl == std::string::npos && !eof_) {
      fill(chunk.text);
      continue;
    }
    if (pos >= chunk.text.size()) break;
    const size_t end = nl == std::string::npos ? chunk.text.size() : nl;
    ++line_;
    std::string_view line(chunk.text.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!blank(line)) {
      spans.emplace_back(pos, line.size());
      chunk.lines.push_back(line_);
    }
    pos = nl == std::string::npos ? chunk.text.size() : nl + 1;
  }
  pending_ = chunk.text.substr(pos);
  chunk.text.resize(pos);
  for (const auto& [begin, size] : spans) chunk.rows.emplace_back(chunk.text.data() + begin, size);
  row_ += static_cast<int64_t>(spans.size());
  return !spans.empty();
}

}  // namespace torchlab::finance
