#pragma once
// gzip in memory (zlib): idx test files, and the model inlined in an exported web page.
#include <string>

namespace torchlab {

std::string gzip_bytes(const std::string& raw);

}  // namespace torchlab
