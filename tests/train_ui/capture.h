#pragma once
// Captures what the process writes to stderr (fd 2) while alive, so tests can read the Console's output.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "support/test_support.h"

class StderrCapture {
 public:
  StderrCapture() : file_(dir_ / "stderr.txt") {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrCapture() { stop(); }
  // Stops capturing and returns everything written.
  std::string stop() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
      saved_ = -1;
    }
    return testing_support::read_text(file_);
  }

 private:
  testing_support::TempDir dir_;
  std::filesystem::path file_;
  int saved_ = -1;
};
