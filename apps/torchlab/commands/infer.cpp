// torchlab infer: any TorchScript classifier on image files, a folder, a video file or a camera.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "torchlab/command.h"
#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"
#include "torchlab/interop/image_input.h"
#include "torchlab/interop/inference.h"
#include "torchlab/interop/torchscript.h"

namespace torchlab::cli {
namespace {

namespace fs = std::filesystem;
using namespace torchlab::interop;
using Clock = std::chrono::steady_clock;

struct InferFlags {
  Common common;
  std::string model;
  std::vector<std::string> images;
  std::string folder, video;
  int camera = -1;
  std::string labels;
  int64_t top_k = 5;
  std::string size, mean = "0", std = "1";
  int64_t channels = 0;
  std::string softmax = "auto";
  int64_t batch = 1, every = 1, max_frames = 0;
  int warmup = 2;
  bool json = false, describe = false, optimize = false;
  std::string out;
};

std::vector<float> parse_floats(const std::string& flag, const std::string& text) {
  std::vector<float> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      size_t used = 0;
      out.push_back(std::stof(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UserError(flag + " \"" + text + "\": \"" + item + "\" is not a number (give m1,m2,m3 or one value)");
    }
  }
  if (out.empty()) throw UserError(flag + " is empty (give m1,m2,m3 or one value)");
  return out;
}

// "HxW", or "N" for N x N.
std::pair<int64_t, int64_t> parse_size(const std::string& text) {
  const auto x = text.find_first_of("xX");
  try {
    size_t a = 0, b = 0;
    const std::string h = text.substr(0, x), w = x == std::string::npos ? h : text.substr(x + 1);
    const int64_t hv = std::stoll(h, &a), wv = std::stoll(w, &b);
    if (a == h.size() && b == w.size() && hv > 0 && wv > 0) return {hv, wv};
  } catch (const std::exception&) {
  }
  throw UserError("--size \"" + text + "\": give HxW in pixels, e.g. 224x224");
}

std::vector<std::string> read_labels(const std::string& path) {
  std::vector<std::string> labels;
  std::stringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw UserError("--labels " + path + " has no class names (one a line)");
  return labels;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(q * v.size()));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// One input on its way through: a name for output and, once preprocessed, its C x H x W tensor.
struct Input {
  std::string name;
  int64_t frame = -1;  // video frames only
  torch::Tensor tensor;
};

class Runner {
 public:
  Runner(const InferFlags& f, InferenceModel& model, std::vector<std::string> labels, bool video)
      : f_(f), model_(model), labels_(std::move(labels)), video_(video) {
    softmax_ = f.softmax == "on" ? Softmax::On : f.softmax == "off" ? Softmax::Off : Softmax::Auto;
  }

  // Queues an input; a batch runs when full or when the next input's shape differs.
  void add(Input input) {
    if (!pending_.empty() &&
        (pending_.size() >= static_cast<size_t>(f_.batch) || pending_.front().tensor.sizes() != input.tensor.sizes()))
      flush();
    pending_.push_back(std::move(input));
    if (pending_.size() >= static_cast<size_t>(f_.batch)) flush();
  }

  void flush() {
    if (pending_.empty()) return;
    std::vector<torch::Tensor> tensors;
    for (const auto& p : pending_) tensors.push_back(p.tensor);
    const auto batch = torch::stack(tensors);
    const std::vector<int64_t> shape(batch.sizes().begin(), batch.sizes().end());
    if (warmed_.insert(shape).second && f_.warmup > 0) model_.warm_up(shape, f_.warmup);
    const auto t0 = Clock::now();
    const auto probabilities = to_probabilities(model_.forward(batch), softmax_);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    latencies_.push_back(ms);
    if (!labels_.empty() && static_cast<int64_t>(labels_.size()) != probabilities.size(1))
      throw UserError("--labels: " + std::to_string(labels_.size()) + " class names, but the model gives " +
                      std::to_string(probabilities.size(1)) + " classes");
    for (size_t i = 0; i < pending_.size(); ++i) report(pending_[i], top_k(probabilities[i], f_.top_k), ms);
    pending_.clear();
  }

  void finish() {
    flush();
    const double total = std::chrono::duration<double>(Clock::now() - start_).count();
    char line[256];
    std::snprintf(line, sizeof line, "%s: %zu, latency per batch of up to %lld: mean %.2f ms, p50 %.2f ms, p99 %.2f ms",
                  video_ ? "frames" : "inputs", count_, static_cast<long long>(f_.batch), mean(latencies_),
                  percentile(latencies_, 0.5), percentile(latencies_, 0.99));
    std::string summary = line;
    if (video_) {
      std::snprintf(line, sizeof line, ", %.1f frames/s overall", total > 0 ? count_ / total : 0.0);
      summary += line;
    }
    (f_.json ? std::cerr : std::cout) << summary << "\n";
    if (!f_.out.empty()) write_file_atomic(f_.out, csv_.str());
  }

 private:
  static double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / v.size();
  }

  std::string label(int64_t index) const { return index < static_cast<int64_t>(labels_.size()) ? labels_[index] : ""; }

  void report(const Input& input, const std::vector<ClassScore>& top, double ms) {
    ++count_;
    double fps = 0;
    if (video_) {  // frames finished over the last second
      const auto now = Clock::now();
      recent_.push_back(now);
      while (recent_.size() > 1 && now - recent_.front() > std::chrono::seconds(1)) recent_.pop_front();
      const double span = std::chrono::duration<double>(now - recent_.front()).count();
      fps = span > 0 ? (recent_.size() - 1) / span : 0;
    }
    if (f_.json) {
      nlohmann::json j;
      j["input"] = input.name;
      if (video_) j["frame"] = input.frame;
      j["top"] = nlohmann::json::array();
      for (const auto& s : top) {
        nlohmann::json c = {{"class", s.index}, {"probability", s.probability}};
        if (!labels_.empty()) c["label"] = label(s.index);
        j["top"].push_back(c);
      }
      j["latency_ms"] = ms;
      j["batch"] = pending_.size();
      if (video_) j["fps"] = fps;
      std::cout << j.dump() << "\n";
    } else {
      std::ostringstream line;
      line << (video_ ? "frame " + std::to_string(input.frame) : input.name) << ":";
      char buf[64];
      for (size_t r = 0; r < top.size(); ++r) {
        std::snprintf(buf, sizeof buf, " %lld", static_cast<long long>(top[r].index));
        line << (r ? "," : "") << buf;
        if (!labels_.empty()) line << " " << label(top[r].index);
        std::snprintf(buf, sizeof buf, " %.2f%%", 100 * top[r].probability);
        line << buf;
      }
      std::snprintf(buf, sizeof buf, "  (%.2f ms", ms);
      line << buf;
      if (video_) {
        std::snprintf(buf, sizeof buf, ", %.1f fps", fps);
        line << buf;
      }
      std::cout << line.str() << ")\n" << std::flush;
    }
    if (!f_.out.empty()) {
      if (csv_.tellp() == 0) csv_ << "input,frame,rank,class,label,probability,latency_ms\n";
      for (size_t r = 0; r < top.size(); ++r) {
        char prob[64];
        std::snprintf(prob, sizeof prob, "%.9g,%.4f", top[r].probability, ms);
        csv_ << csv_field(input.name) << "," << (video_ ? std::to_string(input.frame) : "") << "," << r + 1 << ","
             << top[r].index << "," << csv_field(label(top[r].index)) << "," << prob << "\n";
      }
    }
  }

  const InferFlags& f_;
  InferenceModel& model_;
  std::vector<std::string> labels_;
  bool video_;
  Softmax softmax_;
  std::vector<Input> pending_;
  std::set<std::vector<int64_t>> warmed_;
  std::vector<double> latencies_;
  std::deque<Clock::time_point> recent_;
  size_t count_ = 0;
  Clock::time_point start_ = Clock::now();
  std::ostringstream csv_;
};

void run(const InferFlags& f) {
  const int kinds = !f.images.empty() + !f.folder.empty() + !f.video.empty() + (f.camera >= 0);
  if (!f.describe && kinds != 1)
    throw UserError("infer: give one input: --image FILE..., --images DIR, --video FILE or --camera N");
  const auto device = apply_common(f.common);
  torch::jit::Module module;
  try {
    module = load_torchscript(fs::path(f.model), device);
  } catch (const UserError& e) {
    throw UserError(std::string("--model: ") + e.what());
  }
  const auto summary = summarize(module);
  if (f.describe) {
    std::cout << format_summary(summary);
    return;
  }
  ImagePreprocess p;
  if (!f.size.empty()) std::tie(p.height, p.width) = parse_size(f.size);
  // Grey or colour: as asked, else what the first conv takes, else RGB.
  p.channels = f.channels ? f.channels : (summary.input_channels == 1 ? 1 : 3);
  p.mean = parse_floats("--mean", f.mean);
  p.std = parse_floats("--std", f.std);
  try {
    check_preprocess(p);
  } catch (const UserError& e) {
    throw UserError(std::string("--size/--channels/--mean/--std: ") + e.what());
  }
  const auto labels = f.labels.empty() ? summary.labels : read_labels(f.labels);

  InferenceModel model(std::move(module), {device, f.optimize});
  if (f.optimize && !model.unoptimized_reason().empty())
    std::cerr << "torchlab: running the model as loaded: " << model.unoptimized_reason() << "\n";
  const bool video = !f.video.empty() || f.camera >= 0;
  Runner runner(f, model, labels, video);
  if (video) {
    auto frames = f.camera >= 0 ? VideoFrames::open_camera(f.camera, p) : VideoFrames::open_file(f.video, p);
    const std::string name = f.camera >= 0 ? "camera " + std::to_string(f.camera) : f.video;
    torch::Tensor chw;
    int64_t n = 0;
    while ((f.max_frames == 0 || n < f.max_frames) && frames.next(chw, n == 0 ? 0 : f.every - 1)) {
      runner.add({name, frames.position(), chw});
      ++n;
    }
    if (n == 0) throw UserError("--video/--camera: no frame could be read from " + name);
  } else {
    std::vector<fs::path> paths;
    if (!f.folder.empty()) {
      try {
        paths = list_images(f.folder);
      } catch (const UserError& e) {
        throw UserError(std::string("--images: ") + e.what());
      }
    } else {
      paths.assign(f.images.begin(), f.images.end());
    }
    for (const auto& path : paths) runner.add({path.string(), -1, read_image(path, p)});
  }
  runner.finish();
}

Register reg(
    "infer", "Classify images, a folder, a video or a camera with any TorchScript model",
    [](CLI::App& app) {
      auto f = std::make_shared<InferFlags>();
      add_common(app, f->common);
      app.add_option("--model", f->model, "TorchScript file (torch.jit.script/trace(...).save in Python)")->required();
      app.add_option("--image", f->images, "image files (PNG, JPEG, BMP, PGM, ...)")->expected(1, -1);
      app.add_option("--images", f->folder, "a folder: every image file in it, by name");
      app.add_option("--video", f->video, "a video file: every frame (or every --every-th)");
      app.add_option("--camera", f->camera, "a camera by index (0 = the first)")->check(CLI::NonNegativeNumber);
      app.add_option("--labels", f->labels, "class names, one a line (default: the model's labels attribute)");
      app.add_option("--top-k", f->top_k, "classes shown per input")->check(CLI::PositiveNumber)->capture_default_str();
      app.add_option("--size", f->size, "resize inputs to HxW pixels (default: keep each image's size)");
      app.add_option("--channels", f->channels, "1 (grey) or 3 (RGB); default: what the model's first conv takes")
          ->check(CLI::IsMember({1, 3}));
      app.add_option("--mean", f->mean, "per-channel mean subtracted after scaling to [0,1]: m1,m2,m3 or one value")
          ->capture_default_str();
      app.add_option("--std", f->std, "per-channel divisor after the mean: s1,s2,s3 or one value")
          ->capture_default_str();
      app.add_option("--softmax", f->softmax, "auto: unless the outputs already sum to 1")
          ->check(CLI::IsMember({"auto", "on", "off"}))
          ->capture_default_str();
      app.add_option("--batch", f->batch, "inputs per forward")->check(CLI::PositiveNumber)->capture_default_str();
      app.add_option("--every", f->every, "video: classify every N-th frame")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      app.add_option("--max-frames", f->max_frames, "video/camera: stop after N frames (0 = all)")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      app.add_option("--warmup", f->warmup, "untimed runs per input shape before timing")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      app.add_flag("--optimize", f->optimize,
                   "freeze + optimize_for_inference first (faster; outputs may differ from PyTorch's beyond 1e-5)");
      app.add_flag("--json", f->json, "one JSON object per input on stdout (the summary goes to stderr)");
      app.add_option("--out", f->out, "also write the results as CSV (written whole at the end)");
      app.add_flag("--describe", f->describe, "print the model's methods, forward schema and parameters, then exit");
      app.callback([f] { run(*f); });
    },
    60);

}  // namespace
}  // namespace torchlab::cli
