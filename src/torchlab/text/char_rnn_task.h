#pragma once
// The char-rnn task end to end: training through the Learner (run directory, dashboard, checkpoints, per-epoch
// validation loss and bits per character, a sample per epoch into the run and the report) and loading a trained
// model back for sampling. The CLI only maps flags.
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "torchlab/text/char_rnn_config.h"
#include "torchlab/text/model.h"
#include "torchlab/text/vocab.h"

namespace torchlab::text {

constexpr const char* kCharRnnKind = "char-rnn";

struct TrainRequest {
  CharRnnConfig config;
  std::set<std::string> given;  // config keys the user set explicitly (checked against a resumed run)
  std::filesystem::path runs_dir = "runs";
  std::string run;                  // name under runs_dir; empty = generated
  std::filesystem::path resume;     // a run directory to continue (empty = new run)
  std::filesystem::path init_from;  // safetensors weights to start from (a new run only; PyTorch state_dict names)
  bool overwrite = false;
  torch::Device device = torch::kCPU;
  bool quiet = false;  // no dashboard
  bool write_report = true;
  int64_t max_steps = 0;
  int64_t log_every_steps = 10;
  int64_t checkpoint_every_steps = 0;  // 0 = at the end of each epoch only
  int keep_checkpoints = 2;            // the newest step checkpoints kept (best.ckpt is kept apart)
  bool cuda_graph = true;  // on CUDA, replay each training step as one CUDA graph (LearnerOptions::cuda_graph)
  // Receives the per-epoch lines and samples (stdout by default).
  std::function<void(const std::string&)> print;
};

struct TrainOutcome {
  std::filesystem::path run_dir;
  CharRnnConfig config;
  int64_t epochs_done = 0;
  int64_t steps = 0;
  double valid_loss = 0;  // nats per character, last validation
  double seconds = 0;
  std::string last_sample;
};

TrainOutcome train_char_rnn(const TrainRequest& request);

// "Epoch: N, loss: X, val: Y (Z bpc)", the seed's line with validation.
std::string epoch_line(int64_t epoch, double train_loss, double valid_loss);

struct LoadedCharRnn {
  std::filesystem::path checkpoint;
  CharRnnConfig config;
  Vocab vocab;
  CharRnn model{nullptr};  // in eval mode
  int64_t step = 0;
};

// The text a char-rnn trains on when none is given: $TORCHLAB_CHAR_RNN_TEXT when set, else data/moby-dick.txt from
// the current folder, else from a folder above the program's (build/../data); the plain relative path when none
// exists (the error then names it). The CLI, the examples' tour and the benchmarks all look here.
std::filesystem::path find_default_corpus();

// A run directory's newest checkpoint (UserError when it has none).
std::filesystem::path latest_checkpoint(const std::filesystem::path& run_dir);
// Loads a char-rnn checkpoint; a checkpoint of another kind is a UserError saying what it is.
LoadedCharRnn load_char_rnn(const std::filesystem::path& checkpoint, const torch::Device& device);

}  // namespace torchlab::text
