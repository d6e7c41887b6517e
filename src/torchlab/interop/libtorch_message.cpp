#include "torchlab/interop/libtorch_message.h"

namespace torchlab::interop {

std::string libtorch_message(const std::string& text) {
  const size_t max_chars = 600;
  std::string out;
  const auto error = text.rfind("Error: ");
  if (error != std::string::npos && text.find("Traceback of TorchScript") != std::string::npos) {
    // "RuntimeError: mat1 and mat2 shapes cannot be multiplied (...)" after the interpreter's traceback.
    auto start = text.rfind('\n', error);
    start = start == std::string::npos ? 0 : start + 1;
    out = text.substr(start, text.find('\n', error) - start);
  } else {
    size_t lines = 0;
    for (size_t at = 0; at < text.size() && lines < 4;) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      const auto line = text.substr(at, end - at);
      if (line.rfind("Exception raised from", 0) == 0) break;  // the C++ backtrace starts here
      if (line.find_first_not_of(" \t") != std::string::npos) {
        out += (out.empty() ? "" : " | ") + line;
        ++lines;
      }
      at = end + 1;
    }
  }
  const auto first = out.find_first_not_of(" \t");
  out = first == std::string::npos ? std::string("(no message)") : out.substr(first);
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

}  // namespace torchlab::interop
