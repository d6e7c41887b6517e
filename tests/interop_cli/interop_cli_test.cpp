// Models in and out, against PyTorch itself: tests/interop_cli/torch_side.py (run with /usr/bin/python3) writes
// state_dicts of the PyTorch twins of torchlab's models, their inputs and outputs, and a safetensors file in five
// dtypes; torchlab trains from those weights (--init-from), exports (TorchScript + safetensors), and Python loads the
// exports (torch.jit.load; its own safetensors reader + load_state_dict). Every output is compared to 1e-5.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "torchlab/interop/safetensors.h"
#include "torchlab/rl/dqn_task.h"
#include "torchlab/text/char_rnn_task.h"
#include "torchlab/train/png_encode.h"
#include "torchlab/vision/mnist_task.h"
#include "vision/synthetic.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::run_shell;
using testing_support::TempDir;
namespace fs = std::filesystem;
namespace ti = torchlab::interop;

namespace {

const std::string kPython = "/usr/bin/python3";

bool have_torch() { return run_shell(kPython + " -c 'import torch'").exit_code == 0; }

testing_support::RunResult python(const std::string& args) {
  return run_shell(kPython + " '" + std::string(TORCHLAB_SOURCE_DIR) + "/tests/interop_cli/torch_side.py' " + args);
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, const std::string& what, double tol = 1e-5) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
  EXPECT_LE(diff, tol) << what;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(InteropCli, SafetensorsFromPythonInFiveDtypes) {
  if (!have_torch()) GTEST_SKIP() << "python3 -c 'import torch' fails: install python3-torch to run this test";
  TempDir tmp;
  const auto made = python("make '" + tmp.path().string() + "'");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto st = ti::read_safetensors(tmp / "dtypes.safetensors");
  const auto expected = nlohmann::json::parse(read_text(tmp / "dtypes.json"));
  EXPECT_EQ(st.metadata.at("made_by"), "python");
  ASSERT_EQ(st.tensors.size(), 5u);
  for (const auto& [name, e] : expected.items()) {
    const auto& t = st.tensors.at(name);
    EXPECT_EQ(ti::safetensors_dtype(t.scalar_type()), e["dtype"].get<std::string>()) << name;
    EXPECT_EQ(t.sizes().vec(), e["shape"].get<std::vector<int64_t>>()) << name;
    const auto values = e["values"].get<std::vector<double>>();
    const auto flat = t.to(torch::kFloat64).flatten();
    ASSERT_EQ(flat.numel(), static_cast<int64_t>(values.size()));
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(flat[i].item<double>(), values[i]) << name << "[" << i << "]";
  }
  EXPECT_EQ(st.tensors.at("i64")[0][0].item<int64_t>(), -(int64_t(1) << 62));  // beyond double's exact range
}

TEST(InteropCli, PythonWeightsInTorchlabExportsBackToPython) {
  if (!have_torch()) GTEST_SKIP() << "python3 -c 'import torch' fails: install python3-torch to run this test";
  TempDir tmp;
  const auto d = tmp.path();
  const auto made = python("make '" + d.string() + "'");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  synthetic::write_dataset(d / "data", 64, 32);

  // Each model trains one step from Python's weights at lr 1e-9 (so they stay put) and is exported.
  const std::string common = " --runs-dir '" + (d / "runs").string() + "' --threads 1 --quiet --max-steps 1";
  const std::string text = "char-rnn train --input '" + (d / "corpus.txt").string() +
                           "' --vocab chars --seq-len 16 --batch-size 4 --epochs 1 --lr 1e-9 --sample-length 0";
  const std::string mnist =
      "mnist train --data '" + (d / "data").string() + "' --epochs 1 --batch-size 32 --lr 1e-9 --valid-size 16";
  const std::string dqn = "dqn train --epochs 1 --episodes-per-epoch 2 --eval-episodes 2";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lstm", text + " --cell lstm --layers 2 --hidden 16"},
      {"gru", text + " --cell gru --layers 1 --hidden 12"},
      {"mlp", mnist + " --model mlp"},
      {"conv", mnist + " --model conv"},
      {"ttt", dqn + " --env tictactoe --hidden 16,16"},
      {"pole", dqn + " --env cartpole --hidden 16"}};
  for (const auto& [name, train] : cases) {
    const auto weights = d / "init" / (name + ".safetensors");
    auto r = run_cli(train + common + " --run " + name + " --init-from '" + weights.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    const auto config = nlohmann::json::parse(read_text(d / "runs" / name / "config.json"));
    ASSERT_TRUE(config.contains("init_from")) << name << ": " << config.dump();
    EXPECT_EQ(config["init_from"]["bytes"].get<uint64_t>(), fs::file_size(weights)) << name;
    EXPECT_EQ(config["init_from"]["path"].get<std::string>(), fs::absolute(weights).string()) << name;
    r = run_cli("export --run '" + (d / "runs" / name).string() + "' --format both --out '" +
                (d / "export" / name).string() + "'");
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "torchscript: ") && contains(r.out, "safetensors: ")) << r.out;
  }
  const auto checked = python("check '" + d.string() + "'");
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;

  const auto inputs = ti::read_safetensors(d / "inputs.safetensors").tensors;
  const auto init = ti::read_safetensors(d / "init_out.safetensors").tensors;
  const auto py = ti::read_safetensors(d / "python_out.safetensors").tensors;
  // torchlab's own outputs, through the loaders `sample`, `eval` and `play` use, against Python's three.
  auto compare = [&](const std::string& name, const torch::Tensor& ours) {
    expect_close(ours, init.at(name), name + ": torchlab after --init-from vs the Python module it came from");
    expect_close(ours, py.at("jit." + name), name + ": torchlab vs torch.jit.load of its export");
    expect_close(ours, py.at("twin." + name), name + ": torchlab vs load_state_dict of its safetensors");
  };
  const auto& tokens = inputs.at("tokens");
  for (const std::string name : {"lstm", "gru"}) {
    auto loaded = torchlab::text::load_char_rnn(torchlab::text::latest_checkpoint(d / "runs" / name), torch::kCPU);
    torch::NoGradGuard no_grad;
    compare(name, loaded.model->forward(tokens));
    torchlab::text::RnnState state;  // step() one token at a time, first sequence of the batch
    for (int64_t t = 0; t < tokens.size(0); ++t)
      expect_close(loaded.model->step(tokens[t][0].item<int64_t>(), state), py.at("step." + name)[t][0],
                   name + ": step " + std::to_string(t));
  }
  for (const std::string name : {"mlp", "conv"}) {
    auto loaded = torchlab::vision::load_run(d / "runs" / name, "last", torch::kCPU);
    torch::NoGradGuard no_grad;
    compare(name, loaded.model->forward(inputs.at("images")));
  }
  {  // `torchlab infer` runs torchlab's own export: the conv net's TorchScript file classifies a grey PNG.
    std::vector<uint8_t> pixels(28 * 28);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 37 + i / 28 * 11) % 256);
    testing_support::write_text(d / "digit.png", torchlab::train::encode_png_gray(28, 28, pixels.data()));
    auto loaded = torchlab::vision::load_run(d / "runs" / "conv", "last", torch::kCPU);
    loaded.model->eval();
    torch::NoGradGuard no_grad;
    const auto image = torch::from_blob(pixels.data(), {1, 1, 28, 28}, torch::kUInt8).to(torch::kFloat32) / 255;
    const auto p = torch::softmax(loaded.model->forward(image), 1)[0];
    const auto r = run_cli("infer --model '" + (d / "export" / "conv" / "model.pt").string() + "' --image '" +
                           (d / "digit.png").string() + "' --top-k 10 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto row = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
    ASSERT_EQ(row["top"].size(), 10u) << r.out;
    const auto best = p.argmax().item<int64_t>();
    EXPECT_EQ(row["top"][0]["class"].get<int64_t>(), best) << r.out;
    EXPECT_EQ(row["top"][0]["label"].get<std::string>(), loaded.classes.at(best)) << r.out;
    for (const auto& c : row["top"])
      EXPECT_NEAR(c["probability"].get<double>(), p[c["class"].get<int64_t>()].item<double>(), 1e-5) << r.out;
  }
  for (const auto& [name, input] : {std::pair<std::string, std::string>{"ttt", "boards"}, {"pole", "states"}}) {
    auto loaded = torchlab::rl::load_dqn(torchlab::rl::dqn_checkpoint_of_run(d / "runs" / name), torch::kCPU);
    compare(name, loaded.agent->q_values(inputs.at(input)));
  }

  // Weights of another shape: every mismatch in one message, exit 2, no run left behind.
  auto r = run_cli(text + common + " --cell lstm --layers 1 --hidden 8 --run bad --init-from '" +
                   (d / "init" / "lstm.safetensors").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  for (const char* part : {"unexpected keys: rnn.bias_hh_l1, rnn.bias_ih_l1, rnn.weight_hh_l1, rnn.weight_ih_l1",
                           "wrong shape: head.weight is [", "rnn.weight_hh_l0 is [64, 16] in the file, [32, 8]"})
    EXPECT_TRUE(contains(r.err, part)) << part << " not in: " << r.err;
  EXPECT_FALSE(fs::exists(d / "runs" / "bad"));
}

TEST(InteropCli, QTableExportsToSafetensorsOnly) {
  TempDir tmp;
  const std::string runs = " --runs-dir '" + (tmp / "runs").string() + "'";
  auto r = run_cli("qlearn train --episodes 300 --eval-games 2 --quiet --run q" + runs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("export --run q --format torchscript --out '" + (tmp / "out").string() + "'" + runs);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "a tabular Q-table exports to safetensors only")) << r.err;
  r = run_cli("export --run q --format safetensors --out '" + (tmp / "out").string() + "'" + runs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto st = ti::read_safetensors(tmp / "out" / "model.safetensors");
  const auto& keys = st.tensors.at("q.keys");
  const auto& values = st.tensors.at("q.values");
  EXPECT_EQ(keys.scalar_type(), torch::kInt64);
  EXPECT_EQ(values.scalar_type(), torch::kFloat64);
  ASSERT_GT(keys.numel(), 100);
  EXPECT_EQ(values.sizes(), (std::vector<int64_t>{keys.numel(), 9}));
  EXPECT_EQ(keys[0].item<int64_t>(), 0);  // the empty board, sorted first
  EXPECT_EQ(st.metadata.at("env"), "tictactoe");
  r = run_cli("export --run nowhere --out '" + (tmp / "out").string() + "'" + runs);
  EXPECT_EQ(r.exit_code, 2) << r.err;

  // The export starts a new run: one random game later, the table is the same but for that game's positions.
  const auto exported = (tmp / "out" / "model.safetensors").string();
  r = run_cli("qlearn train --episodes 1 --eps-start 1 --eps-end 1 --eval-games 2 --quiet --run q2 --init-from '" +
              exported + "'" + runs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto config = nlohmann::json::parse(read_text(tmp / "runs" / "q2" / "config.json"));
  EXPECT_EQ(config["init_from"]["bytes"].get<uint64_t>(), fs::file_size(exported));
  r = run_cli("export --run q2 --format safetensors --out '" + (tmp / "out2").string() + "'" + runs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto again = ti::read_safetensors(tmp / "out2" / "model.safetensors");
  std::map<int64_t, int64_t> row_of;
  for (int64_t i = 0; i < keys.numel(); ++i) row_of[keys[i].item<int64_t>()] = i;
  const auto& keys2 = again.tensors.at("q.keys");
  const auto& values2 = again.tensors.at("q.values");
  int64_t changed = 0, kept = 0;
  for (int64_t i = 0; i < keys2.numel(); ++i) {
    const auto it = row_of.find(keys2[i].item<int64_t>());
    if (it == row_of.end()) {
      ++changed;
      continue;
    }
    ++kept;
    const auto a = values[it->second], b = values2[i];
    if (!((a == b) | (a.isnan() & b.isnan())).all().item<bool>()) ++changed;
  }
  EXPECT_EQ(kept, keys.numel());  // nothing the file held was lost
  EXPECT_GE(changed, 1);
  EXPECT_LE(changed, 9);  // at most one position per move of the game

  ti::Safetensors other;
  other.tensors = {{"w", torch::zeros({2})}};
  ti::write_safetensors(tmp / "other.safetensors", other);
  r = run_cli("qlearn train --episodes 10 --quiet --run q3 --init-from '" + (tmp / "other.safetensors").string() + "'" +
              runs);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unexpected tensor 'w'")) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "runs" / "q3"));
}
