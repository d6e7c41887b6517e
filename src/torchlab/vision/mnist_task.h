#pragma once
// The Fashion-MNIST task end to end: training through the Learner (run directory, dashboard, checkpoints, report
// with confusion matrix and misclassified examples), evaluation and prediction from a run. The CLI only maps flags.
#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "torchlab/vision/evaluation.h"
#include "torchlab/vision/mnist_config.h"
#include "torchlab/vision/models.h"

namespace torchlab::vision {

struct TrainRequest {
  MnistConfig config;           // config.classes may be "auto"
  std::set<std::string> given;  // config keys the user set explicitly (checked against a resumed run)
  std::filesystem::path runs_dir = "runs";
  std::string run;                  // name under runs_dir; empty = generated
  std::filesystem::path resume;     // a run directory to continue (empty = new run)
  std::filesystem::path init_from;  // safetensors weights to start from (a new run only; PyTorch state_dict names)
  bool overwrite = false;
  torch::Device device = torch::kCPU;
  bool quiet = false;  // no dashboard
  bool write_report = true;
  int64_t max_steps = 0;  // stop early (tests)
  int64_t log_every_steps = 20;
};

struct TrainOutcome {
  std::filesystem::path run_dir;
  MnistConfig config;
  int64_t epochs_done = 0;
  int64_t steps = 0;
  double valid_accuracy = 0;  // of the selected checkpoint on the validation split (0..1)
  double test_accuracy = 0;   // of the selected checkpoint on the test split, measured once at the end (rank 0)
  double test_loss = 0;
  std::string selected = "the last step";  // which weights the test measured: "best.ckpt" or the last step
  int64_t selected_epoch = 0;
  double seconds = 0;
};

TrainOutcome train_mnist(const TrainRequest& request);

// A trained model loaded back from a run's checkpoint.
struct LoadedRun {
  std::filesystem::path dir;
  std::filesystem::path checkpoint;
  MnistConfig config;
  std::vector<std::string> classes;
  std::shared_ptr<Classifier> model;  // in eval mode
  int64_t step = 0;
  int64_t epoch = 0;
};

// `which` is "last" or "best".
LoadedRun load_run(const std::filesystem::path& run_dir, const std::string& which, const torch::Device& device);

// Evaluates a loaded run on the test split of `data` (its own dataset folder when empty) and appends an "eval" row
// to its metrics.jsonl.
Evaluation evaluate_run(const LoadedRun& run, const std::string& data, const torch::Device& device);

// Class probabilities for one 28 x 28 grey image (uint8 [28, 28]).
std::vector<double> predict_image(const LoadedRun& run, const torch::Tensor& image_u8, const torch::Device& device);

// Folder to read the dataset from: `data`, else the run's own, else the Debian default.
std::filesystem::path dataset_dir(const std::string& data);

}  // namespace torchlab::vision
