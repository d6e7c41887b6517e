#pragma once
// Small MNIST-style datasets the vision tests write themselves: class k is a bright 6x6 square at a position of its
// own on a noisy background, so a small model learns it in a few steps.
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "torchlab/vision/idx.h"

namespace synthetic {

struct Images {
  std::vector<uint8_t> pixels;  // n x 28 x 28
  std::vector<uint8_t> labels;  // n
};

inline Images make_images(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Images out;
  out.pixels.resize(static_cast<size_t>(n) * 784);
  out.labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(rng() % 10);
    out.labels[i] = static_cast<uint8_t>(k);
    uint8_t* img = out.pixels.data() + i * 784;
    for (int p = 0; p < 784; ++p) img[p] = static_cast<uint8_t>(rng() % 60);
    const int top = 3 + (k / 5) * 13, left = 1 + (k % 5) * 5;
    for (int r = top; r < top + 6; ++r)
      for (int c = left; c < left + 6 && c < 28; ++c) img[r * 28 + c] = static_cast<uint8_t>(200 + rng() % 56);
  }
  return out;
}

// Writes <split>-images-idx3-ubyte and <split>-labels-idx1-ubyte (".gz" when gzip) for train and t10k into dir.
inline void write_dataset(const std::filesystem::path& dir, int64_t train, int64_t test, bool gzip = true) {
  const std::string ext = gzip ? ".gz" : "";
  std::filesystem::create_directories(dir);
  for (const auto& [split, n, seed] : {std::tuple<std::string, int64_t, uint32_t>{"train", train, 1u},
                                       std::tuple<std::string, int64_t, uint32_t>{"t10k", test, 2u}}) {
    const auto data = make_images(n, seed);
    torchlab::vision::write_idx(dir / (split + "-images-idx3-ubyte" + ext), {n, 28, 28}, data.pixels.data(), gzip);
    torchlab::vision::write_idx(dir / (split + "-labels-idx1-ubyte" + ext), {n}, data.labels.data(), gzip);
  }
}

}  // namespace synthetic
