#include <unistd.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/core/atomic_file.h"
#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/text/char_rnn_task.h"
#include "torchlab/text/sampler.h"

namespace torchlab::cli {
namespace {

namespace fs = std::filesystem;
using namespace torchlab::text;

// Flags bound to their own variables: a preset fills the config, then only the flags given override it.
struct TrainFlags {
  Common common;
  std::string preset = "default";
  CharRnnConfig c = preset_config("default");
  std::string run, resume, runs_dir = "runs", init_from;
  bool overwrite = false, quiet = false;
  int64_t max_steps = 0, checkpoint_every = 0;
  std::string cuda_graph = "on";
};

const std::vector<std::pair<std::string, std::string>>& flag_keys() {
  static const std::vector<std::pair<std::string, std::string>> keys = {{"--input", "input"},
                                                                        {"--vocab", "vocab"},
                                                                        {"--cell", "cell"},
                                                                        {"--layers", "layers"},
                                                                        {"--hidden", "hidden"},
                                                                        {"--dropout", "dropout"},
                                                                        {"--impl", "impl"},
                                                                        {"--precision", "precision"},
                                                                        {"--seq-len", "seq_len"},
                                                                        {"--batch-size", "batch_size"},
                                                                        {"--epochs", "epochs"},
                                                                        {"--lr", "lr"},
                                                                        {"--schedule", "schedule"},
                                                                        {"--clip-value", "clip_value"},
                                                                        {"--clip-norm", "clip_norm"},
                                                                        {"--sample-length", "sample_length"},
                                                                        {"--temperature", "sample_temperature"},
                                                                        {"--seed", "seed"}};
  return keys;
}

void add_train(CLI::App& parent) {
  auto f = std::make_shared<TrainFlags>();
  auto* app = parent.add_subcommand("train", "Train a character-level LSTM/GRU on a text (dashboard, run, report)");
  auto& c = f->c;
  app->add_option("--input", c.input, "text file to learn")->default_str(kDefaultCorpus);
  app->add_option("--preset", f->preset, "default (trains well per CPU minute) | tch (tch-rs's example exactly)")
      ->capture_default_str();
  app->add_option("--vocab", c.vocab, "bytes (tch-rs: one label per byte) | chars (UTF-8 code points)")
      ->default_str("preset");
  app->add_option("--cell", c.model.cell, "lstm | gru")->default_str("preset");
  app->add_option("--layers", c.model.layers, "recurrent layers")->default_str("preset");
  app->add_option("--hidden", c.model.hidden, "hidden units per layer")->default_str("preset");
  app->add_option("--dropout", c.model.dropout, "dropout between layers and before the output layer")
      ->default_str("preset");
  app->add_option("--impl", c.model.impl, "auto (fused LSTM on CPU, torch::nn elsewhere) | fused | torch")
      ->capture_default_str();
  app->add_option("--precision", c.model.precision,
                  "fp32 | bf16 (mixed, CPU: the LSTM's and output layer's matrix products on bf16 operands, "
                  "fast on CPUs with AMX or AVX512-BF16)")
      ->capture_default_str();
  app->add_option("--seq-len", c.seq_len, "characters per training window")->default_str("preset");
  app->add_option("--batch-size", c.batch_size, "windows per step")->default_str("preset");
  app->add_option("--epochs", c.epochs, "passes over the training text (default: 20, tch 10)")->default_str("preset");
  app->add_option("--lr", c.lr, "Adam learning rate")->default_str("preset");
  app->add_option("--schedule", c.schedule, "learning rate: constant | cosine")->default_str("preset");
  app->add_option("--clip-value", c.clip_value, "clamp each gradient value to [-v, v] (0 = off)")
      ->default_str("preset");
  app->add_option("--clip-norm", c.clip_norm, "scale gradients to global norm <= v (0 = off)")->default_str("preset");
  app->add_option("--sample-length", c.sample_length, "characters sampled after each epoch")->default_str("preset");
  app->add_option("--temperature", c.sample_temperature, "temperature of the per-epoch samples")->default_str("preset");
  app->add_option("--run", f->run, "run name (a folder under --runs-dir; default: char-rnn-<time>)");
  app->add_option("--resume", f->resume, "continue a run (a name or a path; alone: the --run one)")
      ->expected(0, 1)
      ->default_str("");
  app->add_option("--runs-dir", f->runs_dir, "where runs live")->capture_default_str();
  app->add_flag("--overwrite", f->overwrite, "start the --run afresh if it exists");
  app->add_option("--init-from", f->init_from,
                  "start from these weights (safetensors, PyTorch state_dict names: rnn.*, head.*)");
  app->add_option("--max-steps", f->max_steps, "stop after this many optimizer steps (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--checkpoint-every", f->checkpoint_every,
                  "also write a checkpoint every N optimizer steps (0 = at the end of each epoch only)")
      ->check(CLI::NonNegativeNumber);
  app->add_flag("--quiet", f->quiet, "no dashboard");
  app->add_option("--cuda-graph", f->cuda_graph, "on CUDA, replay each training step as one CUDA graph (on | off)")
      ->transform(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  add_common(*app, f->common);
  app->callback([f, app] {
    TrainRequest r;
    r.cuda_graph = f->cuda_graph == "on";
    r.config = preset_config(f->preset);
    const auto given_json = f->c.to_json();
    auto merged = r.config.to_json();
    for (const auto& [flag, key] : flag_keys()) {
      if (!app->count(flag)) continue;
      r.given.insert(key);
      if (key != "seed") merged[key] = given_json[key];
    }
    merged["impl"] = given_json["impl"];
    merged["precision"] = given_json["precision"];
    r.config = CharRnnConfig::from_json(merged);
    r.config.seed = f->common.seed;
    if (app->count("--preset")) r.given.insert("preset");
    r.runs_dir = f->runs_dir;
    r.run = f->run;
    if (app->count("--resume")) {
      if (f->resume.empty() && f->run.empty())
        throw UserError("--resume: name the run to continue (--resume NAME, or --run NAME --resume)");
      if (f->overwrite) throw UserError("--resume and --overwrite contradict each other; pick one");
      r.resume = run_folder(f->resume.empty() ? f->run : f->resume, f->runs_dir);
    }
    r.overwrite = f->overwrite;
    r.init_from = f->init_from;
    r.device = apply_common(f->common, training_step_flops(r.config));
    r.quiet = f->quiet;
    r.max_steps = f->max_steps;
    r.checkpoint_every_steps = f->checkpoint_every;
    const auto o = train_char_rnn(r);
    std::cout << "Validation " << std::fixed;
    std::cout.precision(4);
    std::cout << o.valid_loss << " nats/char (" << o.valid_loss / std::log(2.0) << " bpc) after " << o.epochs_done
              << " epochs, " << o.steps << " steps, " << format_duration(o.seconds) << "\n"
              << "Run: " << o.run_dir.string() << " (report: " << (o.run_dir / "report.html").string() << ")\n"
              << "Next: torchlab char-rnn sample --run " << o.run_dir.string() << " --prime \"The \"\n";
  });
}

struct SampleFlags {
  Common common;
  std::string run, checkpoint, runs_dir = "runs";
  SampleOptions s;
  bool temperature_given = false;
};

void add_sample(CLI::App& parent) {
  auto f = std::make_shared<SampleFlags>();
  auto* app = parent.add_subcommand("sample", "Generate text from a trained char-rnn, printed as it comes");
  auto* run = app->add_option("--run", f->run, "a run: a name under --runs-dir or a path (its newest checkpoint)");
  auto* ckpt = app->add_option("--checkpoint", f->checkpoint, "a char-rnn checkpoint file");
  run->excludes(ckpt);
  app->add_option("--runs-dir", f->runs_dir, "where runs live")->capture_default_str();
  app->add_option("--length", f->s.length, "characters to generate")->capture_default_str();
  app->add_option("--temperature", f->s.temperature, "> 0: 1 = the model's distribution, lower = safer")
      ->capture_default_str();
  app->add_option("--top-k", f->s.top_k, "draw among the k most likely characters only (0 = all)")
      ->capture_default_str();
  app->add_option("--prime", f->s.prime, "text to start from (printed first)");
  app->add_option("--num-samples", f->s.num_samples,
                  "texts generated at once (batched), each printed after a header line; text 1 is the single one")
      ->capture_default_str();
  add_common(*app, f->common);
  app->callback([f, app] {
    if (f->run.empty() && f->checkpoint.empty())
      throw UserError("char-rnn sample: give --run NAME or --checkpoint FILE");
    const auto device = apply_common(f->common);
    const fs::path path =
        f->checkpoint.empty() ? latest_checkpoint(run_folder(f->run, f->runs_dir)) : fs::path(f->checkpoint);
    auto loaded = load_char_rnn(path, device);
    SampleOptions s = f->s;
    s.seed = f->common.seed;
    if (s.num_samples < 1) throw UserError("--num-samples " + std::to_string(s.num_samples) + ": must be at least 1");
    validate(s, loaded.vocab);
    if (s.num_samples == 1) {
      sample(*loaded.model, loaded.vocab, s, [](const std::string& piece) { Console::get().out(piece); });
      Console::get().out("\n");
      return;
    }
    const auto texts = sample_many(*loaded.model, loaded.vocab, s);
    for (size_t k = 0; k < texts.size(); ++k)
      Console::get().out("--- sample " + std::to_string(k + 1) + " of " + std::to_string(texts.size()) + " ---\n" +
                         s.prime + texts[k] + "\n");
  });
}

Register reg(
    "char-rnn", "Character-level language model: train on any text, then sample (the seed's char-rnn)",
    [](CLI::App& app) {
      app.require_subcommand(1);
      add_train(app);
      add_sample(app);
    },
    30);

}  // namespace
}  // namespace torchlab::cli

namespace torchlab::cli {
namespace {

// A small LSTM reads the first 100 kB of Moby-Dick for a few hundred steps, then writes a little Melville.
void demo(const torch::Device& device) {
  const auto corpus = find_default_corpus();
  std::error_code ec;
  if (!fs::exists(corpus, ec)) {
    std::cout << "Skipped: " << corpus.string() << " is missing (scripts/setup.sh fetches it).\n";
    return;
  }
  const auto dir = fs::temp_directory_path() / ("torchlab-demo-char-rnn-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string head = read_file(corpus).substr(0, 100000);
  while (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) head.pop_back();  // whole chars
  if (!head.empty() && static_cast<unsigned char>(head.back()) >= 0xC0) head.pop_back();
  write_file_atomic(dir / "moby-head.txt", head);
  std::cout << "A character-level LSTM (128 units) reads the first 100 kB of Moby-Dick twice and samples "
               "after each; the loss is in nats per character.\n"
            << std::flush;
  TrainRequest r;
  r.config = preset_config("default");
  r.config.input = (dir / "moby-head.txt").string();
  r.config.model.hidden = 128;
  r.config.model.dropout = 0;
  r.config.seq_len = 64;
  r.config.batch_size = 16;
  r.config.lr = 0.01;
  r.config.epochs = 2;
  r.config.sample_length = 160;
  r.device = device;
  r.write_report = false;
  r.runs_dir = dir / "runs";
  r.run = "demo";
  try {
    const auto o = train_char_rnn(r);
    auto loaded = load_char_rnn(latest_checkpoint(o.run_dir), device);
    SampleOptions s;
    s.prime = "The whale";
    s.length = 200;
    s.temperature = 0.6;
    std::cout << "Sample at temperature 0.6, primed with \"The whale\":\n";
    sample(*loaded.model, loaded.vocab, s, [](const std::string& piece) { Console::get().out(piece); });
    std::cout << "\n(" << format_duration(o.seconds)
              << "; the whole book and a bigger model: torchlab char-rnn train)\n";
  } catch (const UserError& e) {
    std::cout << "Skipped: " << e.what() << "\n";
  }
  fs::remove_all(dir, ec);
}

RegisterDemo demo_step(
    "Character-level LSTM (char-rnn)", demo, 30,
    "torchlab char-rnn train --preset tch --epochs 2 --run moby && torchlab char-rnn sample --run moby");

}  // namespace
}  // namespace torchlab::cli
