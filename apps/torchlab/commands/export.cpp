#include "torchlab/interop/export.h"

#include <iostream>
#include <memory>

#include "torchlab/command.h"
#include "torchlab/core/atomic_file.h"
#include "torchlab/core/checkpoint.h"
#include "torchlab/core/error.h"
#include "torchlab/interop/quantize.h"
#include "torchlab/interop/safetensors.h"
#include "torchlab/interop/web_page.h"
#include "torchlab/rl/export.h"
#include "torchlab/rl/web_model.h"
#include "torchlab/text/export.h"
#include "torchlab/text/web_model.h"
#include "torchlab/train/run_dir.h"
#include "torchlab/vision/export.h"

namespace torchlab::cli {
namespace {

namespace fs = std::filesystem;

using Exporter = std::vector<interop::ExportedFile> (*)(const Checkpoint&, const std::string&,
                                                        const interop::ExportOptions&);

// Checkpoint kind -> its task's exporter.
const std::map<std::string, Exporter>& exporters() {
  static const std::map<std::string, Exporter> all = {{"char-rnn", text::export_char_rnn},
                                                      {"mnist", vision::export_mnist},
                                                      {"dqn", rl::export_dqn},
                                                      {"qlearn", rl::export_qtable}};
  return all;
}

// --checkpoint, else the run's newest checkpoint (a DQN run's best one when it keeps one, as `dqn eval` does).
fs::path pick_checkpoint(const std::string& run, const std::string& runs_dir, const std::string& checkpoint) {
  if (!checkpoint.empty()) return checkpoint;
  if (run.empty()) throw UserError("--run or --checkpoint: say which model to export");
  const auto dir = run.find('/') == std::string::npos ? fs::path(runs_dir) / run : fs::path(run);
  const auto r = train::RunDir::open(dir);
  const auto list = r.checkpoints();
  if (list.empty())
    throw UserError("--run " + run + ": " + r.dir().string() + " has no checkpoint yet: train it first");
  const auto best = r.checkpoints_dir() / "best.ckpt";
  if (r.config().contains("env") && r.config().contains("target_update") && fs::exists(best)) return best;
  return list.back();
}

// --format web: one self-contained HTML page (interop/web_page.h) for the models the browser build runs.
// char-rnn pages default to int8 weights (the default preset's float32 weights alone are 5 MB); the small Q-networks
// keep float32, so the page's Q-values are native's.
void export_web(const Checkpoint& ckpt, const fs::path& path, const std::string& out, std::string weights) {
  const auto kind = ckpt.meta.value("kind", std::string("?"));
  interop::Safetensors model;
  std::string title;
  if (kind == "char-rnn") {
    model = text::char_rnn_web_model(path);
    title = "char-rnn";
  } else if (kind == "dqn") {
    model = rl::dqn_web_model(ckpt, path.string());
    title = model.metadata.at("kind") == "cartpole" ? "CartPole DQN" : "tic-tac-toe DQN";
  } else if (kind == "qlearn") {
    model = rl::qtable_web_model(ckpt, path.string());
    title = "tic-tac-toe Q-table";
  } else {
    throw UserError(path.string() + " is a '" + kind +
                    "' checkpoint: the web page runs char-rnn, DQN (tic-tac-toe, CartPole) and Q-table models; "
                    "export it with --format torchscript or safetensors instead");
  }
  if (weights.empty()) weights = kind == "char-rnn" ? "int8" : "f32";
  if (weights == "int8")
    model = interop::quantize_rows_int8(model);
  else if (weights != "f32")
    throw UserError("--web-weights " + weights + ": f32 or int8");
  if (out.size() < 5 || out.substr(out.size() - 5) != ".html")
    throw UserError("--out " + out + ": with --format web, --out is the page to write, e.g. --out model.html");
  const auto assets = interop::web_assets_dir();
  const auto run = path.parent_path().filename() == "checkpoints" ? path.parent_path().parent_path().filename()
                                                                  : path.parent_path().filename();
  const std::string page =
      interop::web_page(model, title, "run " + run.string() + ", " + path.filename().string(), assets);
  if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
  write_file_atomic(out, page);
  std::cout << "web: " << out << "  (" << title << ", " << weights << " weights, " << page.size()
            << " bytes; opens from file://)\n";
}

std::set<std::string> parse_formats(const std::string& format) {
  if (format == "both") return {interop::kTorchScript, interop::kSafetensors};
  return {format};  // the exporter checks the name (a later format is one more name there)
}

void setup(CLI::App& app) {
  struct Flags {
    std::string run, checkpoint, runs_dir = "runs", format = "both", out, stem = "model", web_weights;
  };
  auto f = std::make_shared<Flags>();
  app.add_option("--run", f->run, "a run: a name under --runs-dir or a path (its newest checkpoint)");
  app.add_option("--checkpoint", f->checkpoint, "a checkpoint file (instead of the run's newest)");
  app.add_option("--runs-dir", f->runs_dir, "where runs live")->capture_default_str();
  app.add_option("--format", f->format, "torchscript | safetensors | both | web")->capture_default_str();
  app.add_option("--out", f->out, "folder to write into (created if missing); with --format web, the .html file")
      ->required();
  app.add_option("--web-weights", f->web_weights,
                 "with --format web: f32 | int8 (one scale per row; default int8 for char-rnn, f32 otherwise)");
  app.add_option("--name", f->stem, "file name stem: <out>/<name>.pt, <name>.safetensors")->capture_default_str();
  app.callback([f] {
    const auto path = pick_checkpoint(f->run, f->runs_dir, f->checkpoint);
    const Checkpoint ckpt = load_checkpoint(path);
    if (f->format == "web") return export_web(ckpt, path, f->out, f->web_weights);
    const auto kind = ckpt.meta.value("kind", std::string("?"));
    const auto it = exporters().find(kind);
    if (it == exporters().end())
      throw UserError(path.string() + " is a '" + kind + "' checkpoint; export knows char-rnn, mnist, dqn and qlearn");
    interop::ExportOptions options;
    options.formats = parse_formats(f->format);
    options.out_dir = f->out;
    options.stem = f->stem;
    for (const auto& file : it->second(ckpt, path.string(), options))
      std::cout << file.format << ": " << file.path.string() << "  (" << file.contents << ")\n";
  });
}

Register reg(
    "export",
    "Export a trained model: TorchScript (runs in Python's torch.jit.load), safetensors weights, or a web page", setup,
    85);

}  // namespace
}  // namespace torchlab::cli
