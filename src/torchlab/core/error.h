#pragma once
#include <stdexcept>
#include <string>

namespace torchlab {

// A problem the user can fix: a bad flag, file, value or input row. The message names what is wrong, where, and what
// to do. The CLI prints it on one line and exits 2; every other exception is a bug and exits 1.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when a run was stopped by SIGINT/SIGTERM after its checkpoint was written; the CLI exits 130.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace torchlab
