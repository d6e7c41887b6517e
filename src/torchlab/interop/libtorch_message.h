#pragma once
// libtorch's exception texts carry a C++ backtrace and, from TorchScript, the interpreter's traceback: the line that
// says what went wrong is the last "RuntimeError: ..." or else the first lines. This keeps that part, on one line.
#include <string>

namespace torchlab::interop {

std::string libtorch_message(const std::string& text);

}  // namespace torchlab::interop
