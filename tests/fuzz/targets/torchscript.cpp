// The TorchScript loading path up to where libtorch takes over: the zip structure (end record, central directory,
// local headers) and the TorchScript entries, checked by torchlab before torch::jit::load sees a byte. libtorch's
// own zip and pickle readers are not instrumented and are not ours to fix, so the harness stops at that boundary.
// fuzz-sources: interop/torchscript_archive.cpp
// fuzz-max-len: 65536
#include <cstdint>
#include <string_view>

#include "torchlab/core/error.h"
#include "torchlab/interop/torchscript_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto listing = torchlab::interop::check_torchscript_archive(bytes, "fuzz.pt");
    // Every entry the check accepted must lie inside the file: load_torchscript hands exactly these to libtorch.
    for (const auto& entry : listing.entries) {
      if (entry.data_offset > size || entry.size > size - entry.data_offset) __builtin_trap();
      volatile char first = entry.size ? bytes[entry.data_offset] : 0;
      (void)first;
    }
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
