// The grey-image reader of `mnist predict` on arbitrary bytes: PGM (P2, P5) and PNG, picked by the magic bytes.
// fuzz-sources: vision/image_file.cpp core/atomic_file.cpp
// fuzz-max-len: 65536
#include <cstdint>
#include <string>

#include "torchlab/core/error.h"
#include "torchlab/vision/image_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto image =
        torchlab::vision::decode_grey_image(std::string(reinterpret_cast<const char*>(data), size), "fuzz.img");
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() != size_t(image.width * image.height))
      __builtin_trap();
  } catch (const torchlab::UserError&) {
  }
  return 0;
}
