#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"
#include "torchlab/core/checkpoint.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::TempDir;
using testing_support::write_text;

namespace {

const char* kTiny = " --hidden 16 --seq-len 16 --batch-size 8 --sample-length 40 --threads 1 --quiet";

std::string text_of(size_t n) {
  const std::string unit = "Call me Ishmael. Some years ago, never mind how long precisely. ";
  std::string s;
  while (s.size() < n) s += unit;
  return s.substr(0, n);
}

}  // namespace

TEST(CharRnnCli, TrainsPrintsEpochsAndSamplesThenResumes) {
  TempDir dir;
  write_text(dir / "t.txt", text_of(3000));
  auto r = run_cli("char-rnn train --input t.txt --run a --epochs 2" + std::string(kTiny), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Dataset loaded, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Epoch: 1, loss: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Epoch: 2, loss: "), std::string::npos) << r.out;
  const std::string both = r.out + r.err;  // the seed's line once, not again from the Learner
  EXPECT_EQ(both.find("Epoch: 1, loss: "), both.rfind("Epoch: 1, loss: ")) << both;
  EXPECT_NE(r.out.find(" bpc)\nSample:\n"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "runs/a/samples/sample-epoch-002.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir / "runs/a/report.html"));
  EXPECT_NE(read_text(dir / "runs/a/metrics.jsonl").find("\"bpc\""), std::string::npos);

  auto more = run_cli("char-rnn train --resume a --epochs 3 --threads 1 --quiet", dir.path());
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(more.out.find("Epoch: 2,"), std::string::npos) << more.out;
  EXPECT_NE(more.out.find("Epoch: 3, loss: "), std::string::npos) << more.out;

  auto exists = run_cli("char-rnn train --input t.txt --run a" + std::string(kTiny), dir.path());
  EXPECT_EQ(exists.exit_code, 2);

  // Sampling: deterministic per seed, the prime printed first.
  auto s1 = run_cli("char-rnn sample --run a --length 50 --prime \"Call me\" --seed 3", dir.path());
  auto s2 = run_cli("char-rnn sample --run a --length 50 --prime \"Call me\" --seed 3", dir.path());
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  EXPECT_EQ(s1.out, s2.out);
  EXPECT_EQ(s1.out.rfind("Call me", 0), 0u) << s1.out;
  EXPECT_EQ(s1.out.size(), 7u + 50u + 1u);  // bytes of an ASCII text: prime, 50 characters, newline
  auto s3 = run_cli("char-rnn sample --run a --length 50 --prime \"Call me\" --seed 4 --top-k 3", dir.path());
  EXPECT_EQ(s3.exit_code, 0) << s3.err;
  EXPECT_NE(s3.out, s1.out);
  auto ckpt = run_cli("char-rnn sample --checkpoint runs/a/checkpoints/best.ckpt --length 5", dir.path());
  EXPECT_EQ(ckpt.exit_code, 0) << ckpt.err;

  // Several at once: each after a header, the first being the single sample's text.
  auto many = run_cli("char-rnn sample --run a --length 50 --prime \"Call me\" --seed 3 --num-samples 3", dir.path());
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(many.out.rfind("--- sample 1 of 3 ---\n" + s1.out + "--- sample 2 of 3 ---\n", 0), 0u) << many.out;
  EXPECT_NE(many.out.find("--- sample 3 of 3 ---\nCall me"), std::string::npos) << many.out;
  auto none = run_cli("char-rnn sample --run a --num-samples 0", dir.path());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("--num-samples 0"), std::string::npos) << none.err;
}

TEST(CharRnnCli, BadTrainingInputsExitTwoWithClearMessages) {
  TempDir dir;
  auto missing = run_cli("char-rnn train --input nope.txt" + std::string(kTiny), dir.path());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.txt does not exist"), std::string::npos) << missing.err;

  write_text(dir / "empty.txt", "");
  auto empty = run_cli("char-rnn train --input empty.txt" + std::string(kTiny), dir.path());
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty.txt is empty"), std::string::npos) << empty.err;

  write_text(dir / "short.txt", "just a few words");
  auto short_text = run_cli("char-rnn train --input short.txt --preset tch --threads 1 --quiet", dir.path());
  EXPECT_EQ(short_text.exit_code, 2);
  EXPECT_NE(short_text.err.find("short.txt has 16 characters"), std::string::npos) << short_text.err;
  EXPECT_NE(short_text.err.find("at least 190"), std::string::npos) << short_text.err;

  write_text(dir / "latin1.txt", text_of(100) + "caf\xE9 " + text_of(400));
  auto utf8 = run_cli("char-rnn train --input latin1.txt --vocab chars" + std::string(kTiny), dir.path());
  EXPECT_EQ(utf8.exit_code, 2);
  EXPECT_NE(utf8.err.find("not valid UTF-8 at byte offset 103"), std::string::npos) << utf8.err;
  auto bad_cell = run_cli("char-rnn train --input latin1.txt --cell rnn" + std::string(kTiny), dir.path());
  EXPECT_EQ(bad_cell.exit_code, 2);
  EXPECT_NE(bad_cell.err.find("--cell rnn"), std::string::npos) << bad_cell.err;
}

TEST(CharRnnCli, GruOnBytesThenBadSamplingInputs) {
  TempDir dir;
  write_text(dir / "latin1.txt", text_of(100) + "caf\xE9 " + text_of(400));
  // A GRU on bytes: the torch::nn path, and sampling steps its state.
  auto bytes = run_cli(
      "char-rnn train --input latin1.txt --vocab bytes --cell gru --epochs 1 --run b" + std::string(kTiny), dir.path());
  EXPECT_EQ(bytes.exit_code, 0) << bytes.err;

  auto gru_sample = run_cli("char-rnn sample --run b --length 30 --prime Call", dir.path());
  EXPECT_EQ(gru_sample.exit_code, 0) << gru_sample.err;
  EXPECT_EQ(gru_sample.out.size(), 4u + 30u + 1u);
  auto prime = run_cli("char-rnn sample --run b --prime \"Zebra&\"", dir.path());
  EXPECT_EQ(prime.exit_code, 2);
  EXPECT_NE(prime.err.find("3 characters the model's vocabulary does not have: '&', 'Z', 'b'"), std::string::npos)
      << prime.err;
  auto temperature = run_cli("char-rnn sample --run b --temperature 0", dir.path());
  EXPECT_EQ(temperature.exit_code, 2);
  EXPECT_NE(temperature.err.find("--temperature"), std::string::npos) << temperature.err;
  auto negative = run_cli("char-rnn sample --run b --temperature -0.5", dir.path());
  EXPECT_EQ(negative.exit_code, 2);

  torchlab::Checkpoint other;
  other.meta["kind"] = "mnist";
  torchlab::save_checkpoint(other, dir / "other.ckpt");
  auto kind = run_cli("char-rnn sample --checkpoint other.ckpt", dir.path());
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_NE(kind.err.find("'mnist' checkpoint"), std::string::npos) << kind.err;
  EXPECT_NE(kind.err.find("'char-rnn'"), std::string::npos) << kind.err;

  auto neither = run_cli("char-rnn sample", dir.path());
  EXPECT_EQ(neither.exit_code, 2);
}
