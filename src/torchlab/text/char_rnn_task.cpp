#include "torchlab/text/char_rnn_task.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "torchlab/core/checkpoint.h"
#include "torchlab/core/console.h"
#include "torchlab/core/device.h"
#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/dist/data_parallel.h"
#include "torchlab/text/corpus.h"
#include "torchlab/text/export.h"
#include "torchlab/text/sampler.h"
#include "torchlab/text/windows.h"
#include "torchlab/train/learner.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::text {
namespace fs = std::filesystem;

namespace {

// The saved config of a resumed run, with what the user may change now (epochs, sampling) taken from the request.
CharRnnConfig merge_resumed(const train::RunDir& run, const TrainRequest& request) {
  const auto saved = run.config();
  const auto task = json_field_or<std::string>(saved, "task", "", run.config_path().string());
  if (task != "char-rnn")
    throw UserError(run.dir().string() + " is not a char-rnn run (its config.json has task '" + task + "')");
  auto now = saved;
  const auto asked = request.config.to_json();
  for (const auto& key : request.given)
    if (asked.contains(key)) now[key] = asked[key];
  train::check_same_config(saved, now, char_rnn_fields().resume_keys(), run.dir());
  return CharRnnConfig::from_json(now);
}

}  // namespace

std::string epoch_line(int64_t epoch, double train_loss, double valid_loss) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "Epoch: %lld, loss: %.3f, val: %.3f (%.3f bpc)", static_cast<long long>(epoch),
                train_loss, valid_loss, valid_loss / std::log(2.0));
  return buf;
}

TrainOutcome train_char_rnn(const TrainRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  auto print = request.print ? request.print : [](const std::string& s) { Console::get().out(s); };
  CharRnnConfig config = request.config;
  std::optional<train::RunDir> run;
  if (!request.resume.empty()) {
    run = dist::open_run_dir(request.resume);
    config = merge_resumed(*run, request);
  }
  if (config.input.empty()) config.input = find_default_corpus().string();
  validate(config);
  seed_everything(config.seed);  // the run is its config: a program that drew random numbers before gets the same run

  const Corpus corpus = load_corpus(config.input, parse_vocab_kind(config.vocab), config.seq_len);
  if (run && config.model.vocab != corpus.vocab.size())
    throw UserError(config.input + " now has " + std::to_string(corpus.vocab.size()) +
                    " distinct characters, the run " + std::to_string(config.model.vocab) +
                    ": the text changed since the run started");
  config.model.vocab = corpus.vocab.size();
  check_memory_fits("this char-rnn (hidden " + std::to_string(config.model.hidden) + ", " +
                        std::to_string(config.model.layers) + " layers, batch " + std::to_string(config.batch_size) +
                        " x sequence " + std::to_string(config.seq_len) + ")",
                    training_memory(config), "make --hidden, --layers, --batch-size or --seq-len smaller");
  WindowSource train_batches(corpus.train, config.seq_len, config.batch_size, config.seed, true);
  if (config.batch_size > train_batches.windows())
    throw UserError("--batch-size " + std::to_string(config.batch_size) + " is more than the " +
                    std::to_string(train_batches.windows()) + " windows of " + std::to_string(config.seq_len) +
                    " characters in the training text of " + config.input +
                    "; give a smaller --batch-size or --seq-len, or a longer text");
  auto model = std::make_shared<CharRnnImpl>(config.model);
  if (!request.init_from.empty()) {
    if (run) throw UserError("--init-from starts a new run from weights; a resumed run continues from its checkpoint");
    config.init_from = init_char_rnn(*model, corpus.vocab, request.init_from);
  }
  if (!run) {
    run = dist::create_run_dir(request.runs_dir, request.run, "char-rnn", request.overwrite, config.to_json());
    print("Dataset loaded, " + std::to_string(corpus.vocab.size()) + " labels (" + config.vocab + "), " +
          std::to_string(corpus.train.numel()) + " characters for training, " + std::to_string(corpus.valid.numel()) +
          " for validation.\n");
  } else {
    run->write_config(config.to_json());
  }

  model->to(request.device);
  auto optimizer = std::make_shared<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(config.lr));

  const int64_t valid_seq = std::min(config.seq_len, corpus.valid.numel() - 1);
  WindowSource valid_batches(corpus.valid, valid_seq, config.batch_size, config.seed, false);

  train::LearnerOptions options;
  options.epochs = config.epochs;
  options.max_steps = request.max_steps;
  options.clip_value = config.clip_value;
  options.clip_norm = config.clip_norm;
  options.seed = config.seed;
  options.unit = "chars";
  options.device = request.device.str();
  options.quiet = request.quiet;
  options.write_report = request.write_report;
  options.epoch_line = false;  // on_epoch_end prints the seed's line with validation and bits per character
  options.log_every_steps = request.log_every_steps;
  options.cuda_graph = request.cuda_graph;
  options.checkpoints.keep_last = request.keep_checkpoints;
  options.checkpoints.every_steps = request.checkpoint_every_steps;
  options.checkpoints.best_metric = "loss";
  options.resume_hint = "torchlab char-rnn train --resume " + run->dir().string();
  const int64_t total_steps = train_batches.batches_per_epoch() * config.epochs;
  options.lr_schedule = [schedule = config.schedule, total_steps](int64_t step) {
    return lr_factor(schedule, step, total_steps);
  };
  train::Learner learner(*run, model, optimizer, dist::configure(options));
  learner.checkpoint_kind = kCharRnnKind;

  const auto device = request.device;
  auto step = [model, device](const train::Batch& b) {
    train::StepResult r;
    const auto windows = b[0].to(device);
    r.loss = model->loss(windows);
    r.items = windows.size(0) * (windows.size(1) - 1);
    return r;
  };
  learner.train_step = step;
  learner.valid_step = [step](const train::Batch& b) {
    auto r = step(b);
    r.metrics["bpc"] = r.loss.item<double>() / std::log(2.0);
    return r;
  };

  TrainOutcome outcome;
  learner.on_epoch_end = [&](const train::EpochEnd& end) {
    const double valid_loss = end.valid.count("loss") ? end.valid.at("loss") : NAN;
    outcome.valid_loss = valid_loss;
    print(epoch_line(end.epoch, end.train_loss, valid_loss) + "\n");
    if (config.sample_length > 0 && learner.chief()) {  // under data parallel, rank 0 alone samples and writes
      SampleOptions so;
      so.length = config.sample_length;
      so.temperature = config.sample_temperature;
      so.seed = config.seed + static_cast<uint64_t>(end.epoch);
      print("Sample:\n");
      outcome.last_sample = sample(*model, corpus.vocab, so, [&](const std::string& piece) { print(piece); });
      print("\n\n");
      model->train();
      char name[32];
      std::snprintf(name, sizeof name, "sample-epoch-%03lld", static_cast<long long>(end.epoch));
      learner.run().save_text(name, outcome.last_sample);
    }
  };
  const auto vocab_json = corpus.vocab.to_json();
  learner.save_extra = [vocab_json, &config](Checkpoint& ckpt) {
    ckpt.meta["vocab"] = vocab_json;
    ckpt.meta["char_rnn"] = config.to_json();
  };
  learner.load_extra = [vocab_json](const Checkpoint& ckpt) {
    if (ckpt.meta.value("vocab", nlohmann::json()) != vocab_json)
      throw UserError("the checkpoint's vocabulary differs from the one of the text now: the text changed");
  };

  auto train_shard = dist::attach(learner, *model, train_batches);  // data parallel under torchlab launch
  if (!request.resume.empty()) {
    if (!learner.resume())
      Console::get().err("note: " + run->dir().string() + " has no checkpoint yet; starting from step 0\n");
    else if (learner.progress().epoch > config.epochs)
      Console::get().err("note: the run already finished " + std::to_string(learner.progress().epoch - 1) +
                         " epochs; pass --epochs N (more than that) to train longer\n");
  }
  learner.fit(train_shard, &valid_batches);

  outcome.run_dir = run->dir();
  outcome.config = config;
  outcome.epochs_done = learner.progress().epoch - 1;
  outcome.steps = learner.progress().step;
  if (std::isnan(outcome.valid_loss) || outcome.valid_loss == 0) {
    const auto e = learner.evaluate(valid_batches);
    outcome.valid_loss = e.count("loss") ? e.at("loss") : NAN;
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

fs::path find_default_corpus() {
  if (const char* given = std::getenv("TORCHLAB_CHAR_RNN_TEXT"); given && *given) return given;
  std::error_code ec;
  if (fs::exists(kDefaultCorpus, ec)) return kDefaultCorpus;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
      if (fs::exists(dir / kDefaultCorpus, ec)) return dir / kDefaultCorpus;
  }
  return kDefaultCorpus;
}

fs::path latest_checkpoint(const fs::path& run_dir) {
  const auto run = train::RunDir::open(run_dir);
  const auto list = run.checkpoints();
  if (list.empty())
    throw UserError(run.dir().string() + " has no checkpoint yet: train it first (torchlab char-rnn train --resume " +
                    run.dir().string() + ")");
  return list.back();
}

LoadedCharRnn load_char_rnn(const fs::path& checkpoint, const torch::Device& device) {
  const Checkpoint ckpt = load_checkpoint(checkpoint, kCharRnnKind);
  LoadedCharRnn out;
  out.checkpoint = checkpoint;
  if (!ckpt.meta.contains("char_rnn") || !ckpt.meta.contains("vocab"))
    throw UserError(checkpoint.string() + " has no char-rnn config or vocabulary in its metadata");
  out.config = CharRnnConfig::from_json(ckpt.meta["char_rnn"]);
  out.vocab = Vocab::from_json(ckpt.meta["vocab"]);
  if (out.vocab.size() != out.config.model.vocab)
    throw UserError(checkpoint.string() + ": its vocabulary has " + std::to_string(out.vocab.size()) +
                    " symbols but the model " + std::to_string(out.config.model.vocab));
  out.model = CharRnn(out.config.model);
  load_module(ckpt, "model", *out.model);
  out.model->to(device);
  out.model->eval();
  if (ckpt.meta.contains("progress"))
    out.step = json_field_or<int64_t>(ckpt.meta["progress"], "step", 0, checkpoint.string() + "'s progress");
  return out;
}

}  // namespace torchlab::text
