// kernels/ builds for the browser: every source compiles with Debian's emscripten, so no torch header crept in.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/test_support.h"

namespace fs = std::filesystem;

TEST(KernelsWasm, EverySourceCompilesWithEmscripten) {
  if (std::system("command -v em++ >/dev/null 2>&1") != 0) GTEST_SKIP() << "em++ not installed (make test installs it)";
  testing_support::TempDir dir;
  const fs::path src = fs::path(TORCHLAB_SOURCE_DIR) / "src";
  std::string files;
  for (const auto& e : fs::directory_iterator(src / "torchlab" / "kernels"))
    if (e.path().extension() == ".cpp") files += " '" + e.path().string() + "'";
  ASSERT_FALSE(files.empty());
  const std::string cmd = "cd '" + dir.path().string() +
                          "' && em++ -std=c++17 -O2 -msimd128 -ffp-contract=off -Werror -I'" + src.string() + "' -c" +
                          files + " > log.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << testing_support::read_text(dir / "log.txt");
}
