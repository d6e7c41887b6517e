#pragma once
// Images and video frames as model input, decoded by OpenCV (which stays out of this header). Every image and frame
// goes through the same steps, in this order:
//   1. decode to 8 bits per channel: colour as RGB (OpenCV decodes BGR; it is swapped), grey replicated to 3 equal
//      channels; with channels = 1, grey (colour converted by OpenCV's decoder or, for video, cv::cvtColor BGR2GRAY);
//      alpha is dropped;
//   2. resize to height x width with cv::resize on the 8-bit pixels: INTER_AREA when neither side grows, else
//      INTER_LINEAR (skipped when the size is 0 x 0 or already right);
//   3. to float32: x / 255, then (x - mean[c]) / std[c];
//   4. laid out C x H x W (a batch stacks them: N x C x H x W).
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace torchlab::interop {

struct ImagePreprocess {
  int64_t height = 0;  // 0 x 0: keep each image's own size
  int64_t width = 0;
  int64_t channels = 3;          // 3 (RGB) or 1 (grey)
  std::vector<float> mean{0.f};  // one value per channel, or one for all
  std::vector<float> std{1.f};
};
// A UserError naming the field when a value cannot be used (channels not 1 or 3, a std of 0, ...).
void check_preprocess(const ImagePreprocess& p);

// An image file's bytes (PNG, JPEG, BMP, PGM/PPM, TIFF, WebP: whatever OpenCV reads) as a C x H x W float tensor;
// bytes OpenCV cannot decode are a UserError naming `source`.
torch::Tensor decode_image(std::string_view bytes, const std::string& source, const ImagePreprocess& p);
torch::Tensor read_image(const std::filesystem::path& path, const ImagePreprocess& p);

// The image files of a folder (by extension), sorted by name; an empty or missing folder is a UserError.
std::vector<std::filesystem::path> list_images(const std::filesystem::path& folder);

// Frames of a video file or a camera, each preprocessed as above.
class VideoFrames {
 public:
  // A file or camera OpenCV cannot open is a UserError naming it.
  static VideoFrames open_file(const std::filesystem::path& path, const ImagePreprocess& p);
  static VideoFrames open_camera(int index, const ImagePreprocess& p);
  VideoFrames(VideoFrames&&) noexcept;
  ~VideoFrames();

  // The next frame after skipping `skip` frames; false at the end of the stream.
  bool next(torch::Tensor& chw, int64_t skip = 0);
  int64_t position() const { return position_; }  // index of the last frame returned, from 0
  double frames_per_second() const;               // what the container says, 0 when unknown
  int64_t frame_count() const;                    // what the container says, 0 when unknown

 private:
  struct Impl;
  VideoFrames(std::unique_ptr<Impl> impl, const ImagePreprocess& p);
  std::unique_ptr<Impl> impl_;
  ImagePreprocess preprocess_;
  int64_t position_ = -1;
};

}  // namespace torchlab::interop
