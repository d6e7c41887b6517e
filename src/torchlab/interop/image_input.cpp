#include "torchlab/interop/image_input.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <set>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"

namespace torchlab::interop {
namespace {

// Steps 2-4 of the header's list, on an 8-bit image already in RGB or grey order.
torch::Tensor to_tensor(cv::Mat image, const ImagePreprocess& p) {
  if (p.height > 0 && (image.rows != p.height || image.cols != p.width)) {
    const bool shrink = p.height <= image.rows && p.width <= image.cols;
    cv::Mat resized;
    cv::resize(image, resized, cv::Size(static_cast<int>(p.width), static_cast<int>(p.height)), 0, 0,
               shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    image = resized;
  }
  if (!image.isContinuous()) image = image.clone();
  const int64_t c = image.channels();
  auto x = torch::from_blob(image.data, {image.rows, image.cols, c}, torch::kUInt8)
               .permute({2, 0, 1})
               .to(torch::kFloat)
               .div(255);
  auto per_channel = [c](const std::vector<float>& v) {
    return torch::tensor(v.size() == 1 ? std::vector<float>(c, v[0]) : v).view({c, 1, 1});
  };
  return ((x - per_channel(p.mean)) / per_channel(p.std)).contiguous();
}

// Step 1 for a decoded video frame (BGR, BGRA or grey, 8 bits).
cv::Mat frame_to_order(const cv::Mat& frame, int64_t channels) {
  cv::Mat out;
  const int n = frame.channels();
  if (channels == 3)
    cv::cvtColor(frame, out, n == 1 ? cv::COLOR_GRAY2RGB : n == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
  else if (n == 1)
    out = frame;
  else
    cv::cvtColor(frame, out, n == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return out;
}

// OpenCV logs a warning when a camera or file cannot be opened; we say so ourselves.
struct QuietOpenCv {
  cv::utils::logging::LogLevel before = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  ~QuietOpenCv() { cv::utils::logging::setLogLevel(before); }
};

}  // namespace

void check_preprocess(const ImagePreprocess& p) {
  if (p.channels != 1 && p.channels != 3)
    throw UserError("channels must be 1 (grey) or 3 (RGB), not " + std::to_string(p.channels));
  if ((p.height == 0) != (p.width == 0) || p.height < 0 || p.width < 0 || p.height > 16384 || p.width > 16384)
    throw UserError("size must be HxW with both sides in 1..16384 (or neither given), not " + std::to_string(p.height) +
                    "x" + std::to_string(p.width));
  for (const auto& [name, v] : {std::pair{"mean", &p.mean}, {"std", &p.std}})
    if (v->size() != 1 && static_cast<int64_t>(v->size()) != p.channels)
      throw UserError(std::string(name) + " needs 1 or " + std::to_string(p.channels) +
                      " values (one per channel), not " + std::to_string(v->size()));
  for (float s : p.std)
    if (!(s > 0) || !std::isfinite(s)) throw UserError("std values must be positive, not " + std::to_string(s));
  for (float m : p.mean)
    if (!std::isfinite(m)) throw UserError("mean values must be finite");
}

torch::Tensor decode_image(std::string_view bytes, const std::string& source, const ImagePreprocess& p) {
  cv::Mat image;
  std::string why = "not an image format OpenCV reads (PNG, JPEG, BMP, PGM/PPM, TIFF, WebP), or corrupt";
  if (bytes.empty()) why = "the file is empty";
  try {
    if (!bytes.empty()) {
      const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
      image = cv::imdecode(raw, p.channels == 3 ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
    }
  } catch (const cv::Exception& e) {
    why = e.what();
    image.release();
  }
  if (image.empty()) throw UserError("cannot read image " + source + ": " + why);
  if (p.channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  return to_tensor(image, p);
}

torch::Tensor read_image(const std::filesystem::path& path, const ImagePreprocess& p) {
  if (std::filesystem::is_directory(path)) throw UserError("cannot read image " + path.string() + ": it is a folder");
  return decode_image(read_file(path), path.string(), p);
}

std::vector<std::filesystem::path> list_images(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder)) throw UserError("image folder " + folder.string() + " does not exist");
  static const std::set<std::string> extensions{".png", ".jpg", ".jpeg", ".bmp",  ".pgm", ".ppm",
                                                ".pnm", ".pbm", ".tif",  ".tiff", ".webp"};
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    auto ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (entry.is_regular_file() && extensions.count(ext)) out.push_back(entry.path());
  }
  if (out.empty())
    throw UserError("image folder " + folder.string() + " has no images (.png, .jpg, .jpeg, .bmp, .pgm, ...)");
  std::sort(out.begin(), out.end());
  return out;
}

struct VideoFrames::Impl {
  cv::VideoCapture capture;
};

VideoFrames::VideoFrames(std::unique_ptr<Impl> impl, const ImagePreprocess& p)
    : impl_(std::move(impl)), preprocess_(p) {}
VideoFrames::VideoFrames(VideoFrames&&) noexcept = default;
VideoFrames::~VideoFrames() = default;

VideoFrames VideoFrames::open_file(const std::filesystem::path& path, const ImagePreprocess& p) {
  check_preprocess(p);
  if (!std::filesystem::is_regular_file(path))
    throw UserError("cannot open video " + path.string() + ": " +
                    (std::filesystem::exists(path) ? "not a regular file" : "no such file"));
  auto impl = std::make_unique<Impl>();
  {
    QuietOpenCv quiet;
    try {
      impl->capture.open(path.string());
    } catch (const cv::Exception&) {
    }
  }
  if (!impl->capture.isOpened())
    throw UserError("cannot open video " + path.string() +
                    ": OpenCV has no reader for it (not a video, corrupt, or a codec this build lacks)");
  return VideoFrames(std::move(impl), p);
}

VideoFrames VideoFrames::open_camera(int index, const ImagePreprocess& p) {
  check_preprocess(p);
  auto impl = std::make_unique<Impl>();
  {
    QuietOpenCv quiet;
    try {
      impl->capture.open(index);
    } catch (const cv::Exception&) {
    }
  }
  if (!impl->capture.isOpened())
    throw UserError("cannot open camera " + std::to_string(index) + " (no such device, or it is busy)");
  return VideoFrames(std::move(impl), p);
}

bool VideoFrames::next(torch::Tensor& chw, int64_t skip) {
  for (int64_t i = 0; i < skip; ++i) {
    if (!impl_->capture.grab()) return false;
    ++position_;
  }
  cv::Mat frame;
  if (!impl_->capture.read(frame) || frame.empty()) return false;
  ++position_;
  if (frame.depth() != CV_8U) frame.convertTo(frame, CV_8U);
  chw = to_tensor(frame_to_order(frame, preprocess_.channels), preprocess_);
  return true;
}

double VideoFrames::frames_per_second() const { return std::max(0.0, impl_->capture.get(cv::CAP_PROP_FPS)); }

int64_t VideoFrames::frame_count() const {
  return std::max<int64_t>(0, static_cast<int64_t>(impl_->capture.get(cv::CAP_PROP_FRAME_COUNT)));
}

}  // namespace torchlab::interop
