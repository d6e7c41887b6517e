#include "torchlab/vision/mnist.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/config_flags.h"
#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/vision/image_file.h"
#include "torchlab/vision/mnist_task.h"

namespace torchlab::cli {
namespace {

namespace fs = std::filesystem;
using namespace torchlab::vision;

struct TrainFlags {
  Common common;
  MnistConfig config = [] {
    MnistConfig c;
    c.classes = "auto";  // whatever the data is
    return c;
  }();
  TrainRunFlags runs;
};

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * fraction);
  return buf;
}

void print_outcome(const TrainOutcome& o) {
  const std::string name = o.run_dir.filename().string();
  std::cout << "Test accuracy " << percent(o.test_accuracy) << " (loss " << o.test_loss << ") after " << o.epochs_done
            << " epochs of the " << o.config.model << " model, " << o.steps << " steps, " << format_duration(o.seconds)
            << "\n"
            << "  measured once on the test split, with " << o.selected << " (epoch " << o.selected_epoch
            << ", validation accuracy " << percent(o.valid_accuracy) << " on " << o.config.valid_size
            << " held-out training images)\n"
            << "Run: " << o.run_dir.string() << " (report: " << (o.run_dir / "report.html").string() << ")\n"
            << "Next: torchlab mnist eval --run " << o.run_dir.string() << "\n";
}

void add_train(CLI::App& parent) {
  auto f = std::make_shared<TrainFlags>();
  auto* app =
      parent.add_subcommand("train", "Train a linear, MLP or conv classifier (dashboard, run directory, report)");
  add_config_flags(*app, mnist_fields(), f->config);
  add_train_run_flags(*app, f->runs, "mnist-<model>-<time>", "fc.*, fc1.*, conv1.* ...", "optimizer steps");
  add_common(*app, f->common);
  app->callback([f, app] {
    const auto device = apply_common(f->common, training_step_flops(f->config.model, f->config.batch_size));
    // The linear and MLP nets' ops are too small to gain from threads, and on a busy machine each parallel region
    // waits for a descheduled thread (20x slower measured): one thread unless --threads says otherwise.
    if (!app->count("--threads") && f->config.model != "conv") torch::set_num_threads(1);
    TrainRequest r;
    r.config = f->config;
    r.config.seed = f->common.seed;
    r.given = given_fields(*app, mnist_fields());
    if (app->count("--seed")) r.given.insert("seed");
    r.runs_dir = f->runs.runs_dir;
    r.run = f->runs.run;
    r.resume = resume_folder(*app, f->runs);
    r.overwrite = f->runs.overwrite;
    r.init_from = f->runs.init_from;
    r.device = device;
    r.quiet = f->runs.quiet;
    r.max_steps = f->runs.max_steps;
    in_flag_words(mnist_fields(), [&] { print_outcome(train_mnist(r)); });
  });
}

struct RunFlags {
  Common common;
  std::string run;
  std::string runs_dir = "runs";
  std::string checkpoint = "last";
  std::string data;
};

void add_run_flags(CLI::App& app, RunFlags& f) {
  app.add_option("--run", f.run, "the run: a name under --runs-dir or a path")->required();
  app.add_option("--runs-dir", f.runs_dir, "where runs live")->capture_default_str();
  app.add_option("--checkpoint", f.checkpoint, "last | best")->capture_default_str();
  app.add_option("--data", f.data, "dataset folder (default: the run's)");
  add_common(app, f.common);
}

void add_eval(CLI::App& parent) {
  auto f = std::make_shared<RunFlags>();
  auto* app = parent.add_subcommand("eval", "Test accuracy, per-class accuracy and confusion matrix of a run");
  add_run_flags(*app, *f);
  app->callback([f] {
    const auto device = apply_common(f->common);
    const auto run = load_run(run_folder(f->run, f->runs_dir), f->checkpoint, device);
    const auto eval = evaluate_run(run, f->data, device);
    std::cout << "Run " << run.dir.string() << ", " << run.config.model << " model, checkpoint "
              << run.checkpoint.filename().string() << " (step " << run.step << ")\n"
              << eval.text(run.classes);
  });
}

struct PredictFlags : RunFlags {
  int64_t index = -1;
  std::string image;
  bool invert = false;
};

void add_predict(CLI::App& parent) {
  auto f = std::make_shared<PredictFlags>();
  auto* app = parent.add_subcommand("predict", "Class probabilities for a test image or a 28x28 PGM/PNG file");
  add_run_flags(*app, *f);
  auto* index = app->add_option("--index", f->index, "a test-split image by position")->check(CLI::NonNegativeNumber);
  auto* image = app->add_option("--image", f->image, "a 28x28 grey PGM or PNG file (white on black)");
  index->excludes(image);
  app->add_flag("--invert", f->invert, "invert the file's grey levels first (for black-on-white drawings)");
  app->callback([f] {
    if (f->index < 0 && f->image.empty()) throw UserError("mnist predict: give --index I or --image FILE");
    const auto device = apply_common(f->common);
    const auto run = load_run(run_folder(f->run, f->runs_dir), f->checkpoint, device);
    torch::Tensor pixels;
    std::string truth;
    if (f->index >= 0) {
      const auto dir = f->data.empty() ? dataset_dir(run.config.data) : fs::path(f->data);
      const auto test = load_mnist_split(dir, "t10k");
      if (f->index >= test.size())
        throw UserError("--index " + std::to_string(f->index) + ": the test split has " + std::to_string(test.size()) +
                        " images (0.." + std::to_string(test.size() - 1) + ")");
      pixels = test.images[f->index].clone();
      truth = run.classes[test.labels[f->index].item<int64_t>()];
    } else {
      const auto img = read_grey_image(f->image);
      if (img.width != kImageSide || img.height != kImageSide)
        throw UserError(f->image + " is " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                        " pixels; the model takes 28x28 grey images (white on black, like the dataset): resize it");
      pixels =
          torch::from_blob(const_cast<uint8_t*>(img.pixels.data()), {kImageSide, kImageSide}, torch::kUInt8).clone();
      if (f->invert) pixels = 255 - pixels;
    }
    const auto probs = predict_image(run, pixels, device);
    size_t best = 0;
    for (size_t k = 1; k < probs.size(); ++k)
      if (probs[k] > probs[best]) best = k;
    std::cout << "Predicted: " << run.classes[best] << " (" << percent(probs[best]) << ")";
    if (!truth.empty()) std::cout << ", true class: " << truth;
    std::cout << "\n";
    for (size_t k = 0; k < probs.size(); ++k) {
      char line[96];
      std::snprintf(line, sizeof line, "  %zu %-12s %7.2f%%  ", k, run.classes[k].c_str(), 100 * probs[k]);
      std::cout << line << std::string(static_cast<size_t>(std::lround(probs[k] * 30)), '#') << "\n";
    }
  });
}

Register reg(
    "mnist", "Fashion-MNIST (or MNIST) classifiers: train, eval, predict",
    [](CLI::App& app) {
      app.require_subcommand(1);
      add_train(app);
      add_eval(app);
      add_predict(app);
    },
    50);

void demo(const torch::Device& device) {
  std::cout << "An MLP (784-128-10) learns 18 000 Fashion-MNIST training images for 3 epochs (2 000 more pick the "
               "best epoch), then is tested on the 10 000 test images.\n"
            << std::flush;
  TrainRequest r;
  r.config.model = "mlp";
  r.config.epochs = 3;
  r.config.train_limit = 20000;
  r.config.valid_size = 2000;
  r.config.classes = "auto";
  r.device = device;
  r.write_report = false;
  r.runs_dir = fs::temp_directory_path() / ("torchlab-demo-mnist-" + std::to_string(::getpid()));
  r.run = "mlp";
  struct OneThread {  // as `mnist train` runs the small nets; the tour's other steps get their threads back
    int saved = torch::get_num_threads();
    OneThread() { torch::set_num_threads(1); }
    ~OneThread() { torch::set_num_threads(saved); }
  } one_thread;
  try {
    const auto o = train_mnist(r);
    std::cout << "Test accuracy " << percent(o.test_accuracy) << " after " << o.epochs_done << " epochs ("
              << format_duration(o.seconds)
              << "); on all 60 000 images the MLP reaches 88-89 % and the conv net over 91 %.\n";
  } catch (const UserError& e) {
    std::cout << "Skipped: " << e.what() << "\n";
  }
  std::error_code ec;
  fs::remove_all(r.runs_dir, ec);
}

RegisterDemo demo_step("Fashion-MNIST", demo, 50, "torchlab mnist train --model conv --epochs 1 --run fm-conv");

}  // namespace
}  // namespace torchlab::cli
