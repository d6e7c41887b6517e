#pragma once
// The TorchScript fixtures, written by tests/fixtures/interop/make_fixtures.py with PyTorch (python3-torch,
// torchvision, python3-opencv) into a temp folder named after the script's content: made once, shared by the test
// processes that ctest starts (each renames its own complete copy into place; a loser of that race drops its copy).
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "support/test_support.h"

namespace interop_fixtures {

inline const std::filesystem::path& dir() {
  static const std::filesystem::path path = [] {
    namespace fs = std::filesystem;
    const auto script = fs::path(TORCHLAB_FIXTURES) / "interop" / "make_fixtures.py";
    const auto key = std::hash<std::string>{}(testing_support::read_text(script));
    const auto done = fs::temp_directory_path() / ("torchlab-interop-fixtures-" + std::to_string(key));
    if (fs::exists(done / "expected.json")) return done;
    const auto work = fs::path(done.string() + ".tmp" + std::to_string(::getpid()));
    const auto r = testing_support::run_shell("/usr/bin/python3 '" + script.string() + "' '" + work.string() + "'");
    if (r.exit_code != 0) throw std::runtime_error("make_fixtures.py failed: " + r.err);
    std::error_code ec;
    fs::rename(work, done, ec);
    if (ec) fs::remove_all(work, ec);
    return done;
  }();
  return path;
}

inline std::string file(const std::string& name) { return (dir() / name).string(); }

inline const nlohmann::json& expected() {
  static const nlohmann::json j = nlohmann::json::parse(testing_support::read_text(dir() / "expected.json"));
  return j;
}

}  // namespace interop_fixtures
