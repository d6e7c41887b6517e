#include <unistd.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/config_flags.h"
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
  CharRnnConfig c = preset_config("default");
  TrainRunFlags runs;
  int64_t checkpoint_every = 0;
  std::string cuda_graph = "on";
};

void add_train(CLI::App& parent) {
  auto f = std::make_shared<TrainFlags>();
  auto* app = parent.add_subcommand("train", "Train a character-level LSTM/GRU on a text (dashboard, run, report)");
  add_config_flags(*app, char_rnn_fields(), f->c);
  add_train_run_flags(*app, f->runs, "char-rnn-<time>", "rnn.*, head.*", "optimizer steps");
  app->add_option("--checkpoint-every", f->checkpoint_every,
                  "also write a checkpoint every N optimizer steps (0 = at the end of each epoch only)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--cuda-graph", f->cuda_graph, "on CUDA, replay each training step as one CUDA graph (on | off)")
      ->transform(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  add_common(*app, f->common);
  app->callback([f, app] {
    const auto& fields = char_rnn_fields();
    TrainRequest r;
    r.cuda_graph = f->cuda_graph == "on";
    r.given = given_fields(*app, fields);
    in_flag_words(fields, [&] { r.config = preset_config(f->c.preset); });
    // The preset's values, then what the flags gave; fields no preset sets (impl, precision) come from their flags.
    const auto flags = fields.to_json(f->c);
    for (const auto& field : fields.fields())
      if (field.cli && (!field.from_preset || r.given.count(field.key))) field.set(r.config, flags, "flags");
    r.config.seed = f->common.seed;
    if (app->count("--seed")) r.given.insert("seed");
    r.runs_dir = f->runs.runs_dir;
    r.run = f->runs.run;
    r.resume = resume_folder(*app, f->runs);
    r.overwrite = f->runs.overwrite;
    r.init_from = f->runs.init_from;
    r.device = apply_common(f->common, training_step_flops(r.config));
    r.quiet = f->runs.quiet;
    r.max_steps = f->runs.max_steps;
    r.checkpoint_every_steps = f->checkpoint_every;
    TrainOutcome o;
    in_flag_words(fields, [&] { o = train_char_rnn(r); });
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
