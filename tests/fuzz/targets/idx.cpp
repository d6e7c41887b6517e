// The idx (MNIST) reader on arbitrary bytes, plain or gzipped (detected by the gzip magic, as for files).
// fuzz-sources: vision/idx.cpp core/gzip.cpp core/atomic_file.cpp
// fuzz-max-len: 65536
#include "torchlab/vision/idx.h"

#include <cstdint>
#include <string>

#include "torchlab/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto idx = torchlab::vision::decode_idx(
        torchlab::vision::maybe_gunzip(std::string(reinterpret_cast<const char*>(data), size), "fuzz.idx"), "fuzz.idx");
    const int64_t n = idx.numel();
    if (idx.offset + static_cast<size_t>(n) != idx.bytes->size()) __builtin_trap();  // items end at the file's end
    unsigned sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += idx.data()[i];
    (void)sum;
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
