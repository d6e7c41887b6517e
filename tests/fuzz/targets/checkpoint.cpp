// The checkpoint reader on arbitrary bytes: decode_checkpoint, then what load_checkpoint reads of the metadata.
// A real file ends in a CRC of the rest, so almost every mutation would stop at the checksum; the harness writes
// the right CRC over the input's last 4 bytes first, letting the fuzzer reach the parser behind it (the checksum
// test itself is a unit test).
// fuzz-sources: core/checkpoint.cpp core/atomic_file.cpp
// fuzz-max-len: 16384
#include "torchlab/core/checkpoint.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "torchlab/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.size() >= 12) {
    const size_t body = bytes.size() - 4;
    const uint32_t crc = crc32_z(0L, reinterpret_cast<const Bytef*>(bytes.data()), body);
    std::memcpy(bytes.data() + body, &crc, 4);
  }
  try {
    const torchlab::Checkpoint ckpt = torchlab::decode_checkpoint(bytes, "fuzz.ckpt");
    (void)ckpt.meta.value("kind", std::string());
    for (const auto& [name, tensor] : ckpt.tensors) (void)tensor.sum().item<double>();
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
