#pragma once
// The crashing inputs that fuzzing found, kept in tests/fuzz/regressions/<target>/ (one file each), for the tests
// that replay them through the reader that crashed.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace testing_support {

// (file name, bytes) of every regression input of `target`, sorted by name.
inline std::vector<std::pair<std::string, std::string>> fuzz_regressions(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto dir = std::filesystem::path(TORCHLAB_SOURCE_DIR) / "tests/fuzz/regressions" / target;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    out.emplace_back(entry.path().filename().string(), bytes.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace testing_support
