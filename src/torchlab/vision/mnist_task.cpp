#include "torchlab/vision/mnist_task.h"

#include <chrono>

#include "torchlab/core/checkpoint.h"
#include "torchlab/core/console.h"
#include "torchlab/core/device.h"
#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/dist/data_parallel.h"
#include "torchlab/interop/state_dict.h"
#include "torchlab/train/fused_adam.h"
#include "torchlab/train/learner.h"
#include "torchlab/train/report.h"
#include "torchlab/train/run_dir.h"
#include "torchlab/vision/batches.h"
#include "torchlab/vision/classify_step.h"
#include "torchlab/vision/mnist.h"
#include "torchlab/vision/valid_split.h"

namespace torchlab::vision {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCheckpointKind = "mnist";
constexpr int64_t kEvalBatch = 1000;

MnistSplit head(MnistSplit split, int64_t limit) {
  if (limit > 0 && limit < split.size()) {
    split.images = split.images.slice(0, 0, limit);
    split.labels = split.labels.slice(0, 0, limit);
  }
  return split;
}

// Resolves the saved config of a resumed run against what the user asked for now.
MnistConfig merge_resumed(const train::RunDir& run, const TrainRequest& request) {
  const auto saved_json = run.config();
  MnistConfig config = MnistConfig::from_json(saved_json);
  auto now_json = saved_json;
  const auto asked = request.config.to_json();
  for (const auto& key : request.given)
    if (asked.contains(key)) now_json[key] = asked[key];
  // Only keys the user set can differ; "auto" classes means "whatever the run has".
  if (request.config.classes == "auto") now_json["classes"] = saved_json.value("classes", "");
  auto keys = mnist_fields().resume_keys();
  keys.insert(keys.begin(), "task");
  train::check_same_config(saved_json, now_json, keys, run.dir());
  if (request.given.count("epochs")) config.epochs = request.config.epochs;
  if (request.given.count("data")) config.data = request.config.data;
  return config;
}

}  // namespace

fs::path dataset_dir(const std::string& data) { return data.empty() ? fs::path(kDefaultMnistDir) : fs::path(data); }

TrainOutcome train_mnist(const TrainRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  MnistConfig config = request.config;
  std::optional<train::RunDir> run;
  if (!request.resume.empty()) {
    run = dist::open_run_dir(request.resume);
    config = merge_resumed(*run, request);
  }
  mnist_fields().validate(config);  // 0 epochs, 0 lr and no augment mean the model's defaults
  if (config.data.empty()) config.data = kDefaultMnistDir;
  if (config.epochs == 0) config.epochs = default_epochs(config.model);
  if (config.lr == 0) config.lr = default_lr(config.model);
  if (config.augment.empty()) config.augment = default_augment(config.model);
  seed_everything(config.seed);  // the run is its config: a program that drew random numbers before gets the same run
  auto model = make_classifier(config.model, request.device);  // checks --model before the data is read
  if (!request.init_from.empty()) {
    if (run) throw UserError("--init-from starts a new run from weights; a resumed run continues from its checkpoint");
    config.init_from = interop::init_from_safetensors(*model, request.init_from);
  }

  const MnistSplit all_train = head(load_mnist_split(config.data, "train"), config.train_limit);
  const MnistSplit test_split = head(load_mnist_split(config.data, "t10k"), config.test_limit);
  const HeldOut held = hold_out(all_train, config.valid_size);
  if (run && !config.valid_split.empty() && config.valid_split != held.fingerprint)
    throw UserError("cannot resume " + run->dir().string() + ": its validation split (" + config.valid_split +
                    ") differs from the one of the data now (" + held.fingerprint +
                    "): the training images changed since the run started");
  config.valid_split = held.fingerprint;
  if (config.batch_size > held.fit.size())
    throw FieldError(
        "batch_size", std::to_string(config.batch_size),
        "is more than the " + std::to_string(held.fit.size()) + " training images (after train_limit and valid_size)");
  if (config.classes.empty() || config.classes == "auto")
    config.classes = detect_class_set(config.data, all_train.images);
  const auto classes = class_names(config.classes);

  if (run)
    run->write_config(config.to_json());
  else
    run = dist::create_run_dir(request.runs_dir, request.run, "mnist-" + config.model, request.overwrite,
                               config.to_json());

  auto optimizer =
      std::make_shared<torchlab::train::FusedAdam>(model->parameters(), torch::optim::AdamOptions(config.lr));
  train::LearnerOptions options;
  options.epochs = config.epochs;
  options.max_steps = request.max_steps;
  options.seed = config.seed;
  options.unit = "images";
  options.device = request.device.str();
  options.quiet = request.quiet;
  options.write_report = false;  // written below, after the test evaluation
  options.log_every_steps = request.log_every_steps;
  // Cosine decay over the whole run: the last epochs average out Adam's noise (+0.5-1 % test accuracy).
  const int64_t steps_per_epoch = (held.fit.size() + config.batch_size - 1) / config.batch_size;
  options.lr_schedule = [schedule = config.schedule, total = steps_per_epoch * config.epochs](int64_t step) {
    return schedule_factor(schedule, step, total);
  };
  // Model selection and stopping look at the validation split only; the test split is read once, at the end.
  options.checkpoints.keep_last = 2;
  options.checkpoints.best_metric = "accuracy";
  options.checkpoints.best_mode = train::Mode::Max;
  if (config.patience > 0) {
    options.early_stopping.metric = "loss";  // smoother than accuracy, which saturates on easy data
    options.early_stopping.patience = static_cast<int>(config.patience);
  }
  options.resume_hint = "torchlab mnist train --resume " + run->dir().string();
  train::Learner learner(*run, model, optimizer, dist::configure(options));
  learner.checkpoint_kind = kCheckpointKind;

  learner.train_step = [model](const train::Batch& b) { return classify_step(*model, b); };
  learner.valid_step = [model](const train::Batch& b) { return classify_step(*model, b); };
  TrainOutcome outcome;
  learner.on_epoch_end = [&](const train::EpochEnd& end) {
    if (end.valid.count("accuracy")) outcome.valid_accuracy = end.valid.at("accuracy");
  };
  const auto config_json = config.to_json();
  learner.save_extra = [&classes, config_json](Checkpoint& ckpt) {
    ckpt.meta["labels"] = classes;
    ckpt.meta["mnist"] = config_json;
  };
  learner.load_extra = [&classes](const Checkpoint& ckpt) {
    if (ckpt.meta.value("labels", nlohmann::json()) != nlohmann::json(classes))
      throw UserError("the checkpoint's class names differ from this dataset's (" +
                      ckpt.meta.value("labels", nlohmann::json()).dump() + ")");
  };

  if (!request.resume.empty()) {
    if (!learner.resume())
      Console::get().err("note: " + run->dir().string() + " has no checkpoint yet; starting from step 0\n");
    else if (learner.progress().epoch > config.epochs)
      Console::get().err("note: the run already finished " + std::to_string(learner.progress().epoch - 1) +
                         " epochs; pass --epochs N (more than that) to train longer\n");
  }

  BatchOptions train_options;
  train_options.batch_size = config.batch_size;
  train_options.seed = config.seed;
  train_options.flip = config.augment == "flip";
  train_options.device = request.device;
  MnistBatches train_batches(held.fit, train_options);
  BatchOptions valid_options;
  valid_options.batch_size = kEvalBatch;
  valid_options.shuffle = false;
  valid_options.device = request.device;
  MnistBatches valid_batches(held.valid, valid_options);

  auto train_shard = dist::attach(learner, *model, train_batches);  // data parallel under torchlab launch
  learner.fit(train_shard, &valid_batches);

  outcome.run_dir = run->dir();
  outcome.config = config;
  outcome.epochs_done = learner.progress().epoch - 1;
  outcome.steps = learner.progress().step;
  if (learner.chief()) {  // rank 0 alone writes the run
    // The test split, once: the selected (best) checkpoint, else the model as it stands (no epoch ended yet).
    const auto best = run->checkpoints_dir() / "best.ckpt";
    int64_t step = outcome.steps, epoch = outcome.epochs_done;
    if (fs::exists(best)) {
      const Checkpoint ckpt = learner.load_checkpoint_file(best);
      load_module(ckpt, "model", *model);
      const auto& p = ckpt.meta.at("progress");
      step = p.value("step", step);
      epoch = p.value("epoch", epoch + 1) - 1;
      outcome.valid_accuracy = p.value("best", outcome.valid_accuracy);
      outcome.selected = "best.ckpt";
    }
    const Evaluation test = evaluate(*model, test_split, request.device, kEvalBatch);
    outcome.test_accuracy = test.accuracy();
    outcome.test_loss = test.mean_loss();
    outcome.selected_epoch = epoch;
    run->append_metrics({{"step", step},
                         {"epoch", epoch},
                         {"split", "test"},
                         {"accuracy", test.accuracy()},
                         {"loss", test.mean_loss()},
                         {"checkpoint", outcome.selected}});
    run->save_table("confusion", test.confusion_table(classes));
    run->save_table("per_class", test.per_class_table(classes));
    run->save_images("misclassified", test.misclassified_images(classes));
    if (request.write_report) train::write_report(*run);
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

LoadedRun load_run(const fs::path& run_dir, const std::string& which, const torch::Device& device) {
  auto run = train::RunDir::open(run_dir);
  LoadedRun out;
  out.dir = run.dir();
  if (which == "best") {
    out.checkpoint = run.checkpoints_dir() / "best.ckpt";
    if (!fs::exists(out.checkpoint))
      throw UserError(run.dir().string() + " has no best checkpoint yet (it is written after the first epoch)");
  } else if (which == "last") {
    const auto list = run.checkpoints();
    if (list.empty())
      throw UserError(run.dir().string() + " has no checkpoint yet: train it first (torchlab mnist train --resume " +
                      run.dir().string() + ")");
    out.checkpoint = list.back();
  } else {
    throw UserError("--checkpoint " + which + ": expected last or best");
  }
  const Checkpoint ckpt = load_checkpoint(out.checkpoint, kCheckpointKind);
  out.config = MnistConfig::from_json(ckpt.meta.value("mnist", run.config()));
  out.classes = json_field_or(ckpt.meta, "labels", class_names("digits"), out.checkpoint.string());
  if (out.classes.size() != size_t(kNumClasses))
    throw UserError(out.checkpoint.string() + ": expected 10 class names in its metadata");
  out.model = make_classifier(out.config.model, device);
  load_module(ckpt, "model", *out.model);
  out.model->eval();
  if (ckpt.meta.contains("progress")) {
    const std::string what = out.checkpoint.string() + "'s progress";
    out.step = json_field_or<int64_t>(ckpt.meta["progress"], "step", 0, what);
    out.epoch = json_field_or<int64_t>(ckpt.meta["progress"], "epoch", 1, what) - 1;
  }
  return out;
}

Evaluation evaluate_run(const LoadedRun& run, const std::string& data, const torch::Device& device) {
  const auto dir = data.empty() ? dataset_dir(run.config.data) : fs::path(data);
  const MnistSplit test = head(load_mnist_split(dir, "t10k"), run.config.test_limit);
  Evaluation eval = evaluate(*run.model, test, device, kEvalBatch);
  train::RunDir::open(run.dir).append_metrics({{"step", run.step},
                                               {"epoch", run.epoch},
                                               {"split", "eval"},
                                               {"accuracy", eval.accuracy()},
                                               {"loss", eval.mean_loss()},
                                               {"checkpoint", run.checkpoint.filename().string()}});
  return eval;
}

std::vector<double> predict_image(const LoadedRun& run, const torch::Tensor& image_u8, const torch::Device& device) {
  if (image_u8.numel() != kImageSide * kImageSide)
    throw UserError("the model takes one 28x28 grey image; got " + std::to_string(image_u8.numel()) + " pixels");
  torch::InferenceMode guard;
  const auto probs = torch::softmax(run.model->forward(to_model_input(image_u8).to(device)), 1)
                         .to(torch::kCPU, torch::kFloat64)
                         .contiguous();
  return std::vector<double>(probs.data_ptr<double>(), probs.data_ptr<double>() + probs.numel());
}

}  // namespace torchlab::vision
