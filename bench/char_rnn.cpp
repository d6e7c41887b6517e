// char_rnn/tch_preset_train_chars: training throughput of tch-rs's char-rnn configuration (bytes, one LSTM layer of
// 256, Adam lr 0.01, per-value gradient clip 0.5, batch 256 x 180 characters) on Moby-Dick, full steps (forward,
// backward, clip, Adam). bench/reference/char_rnn.py runs the same in PyTorch Python with torch.nn.LSTM on one-hot.
// char_rnn/default_preset_sample_chars[_x8]: sampling speed of the default preset's model (chars vocabulary of
// Moby-Dick, one LSTM layer of 512, temperature 0.8), one sequence or 8 at once, through `char-rnn sample`'s path
// (the kernels' single step on one thread, PCG32 draws); Python steps the same nn.LSTM one character at a time.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "harness.h"
#include "torchlab/core/atomic_file.h"
#include "torchlab/text/char_rnn_config.h"
#include "torchlab/text/corpus.h"
#include "torchlab/text/model.h"
#include "torchlab/text/sampler.h"
#include "torchlab/text/windows.h"
#include "torchlab/train/cuda_graph_step.h"
#include "torchlab/train/optimize.h"

namespace {

bench::Result tch_preset(int cuda, const std::string& precision) {
  using namespace torchlab::text;
  const int64_t seq = 180, batch = 256;
  torch::manual_seed(42);
  const auto device = cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  auto corpus = load_corpus(bench::moby_dick(), VocabKind::Bytes, seq);
  ModelOptions mo;
  mo.vocab = corpus.vocab.size();
  mo.hidden = 256;
  mo.precision = precision;
  CharRnn model(mo);
  model->to(device);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.01));
  WindowSource windows(corpus.train, seq, batch, 42, true);
  // The Learner's step: eager on CPU, replayed as a CUDA graph on CUDA (warm-up steps eager).
  torchlab::train::CudaGraphStepOptions graph_options;
  graph_options.clip_value = 0.5;
  torchlab::train::CudaGraphStep graphed(
      model->parameters(), adam, graph_options,
      [&](const torchlab::train::Batch& b) {
        torchlab::train::StepResult r;
        r.loss = model->loss(b[0].to(device));
        return r;
      },
      [&](const torch::Tensor& loss) {
        adam.zero_grad();
        loss.backward();
        torchlab::train::clip_grad_value(model->parameters(), 0.5);
        adam.step();
      });
  int64_t next = 0;
  auto step = [&] {
    auto r = graphed.step(windows.batch(next++ % windows.batches_per_epoch()));
    r.loss.item<double>();  // waits for the device, like printing the loss would
  };
  const int steps = cuda ? 30 : 4;  // a GPU step takes milliseconds: more of them for a steady median
  const auto secs = bench::time_runs(step, steps, cuda ? 5 : 1);
  if (cuda && !graphed.captured()) std::fprintf(stderr, "no CUDA graph: %s\n", graphed.failure().c_str());
  return {static_cast<double>(batch * seq) / bench::median(secs), "chars/s", true,
          std::string(model->fused_active() ? "fused LSTM" : "torch::nn::LSTM") + " " + precision +
              (graphed.captured() ? ", one CUDA graph per step" : "") + ", batch 256 x 180, median of " +
              std::to_string(steps) + " steps"};
}

bench::Result default_preset_sample(int64_t sequences) {
  using namespace torchlab::text;
  torch::manual_seed(42);
  const auto vocab = Vocab::build(torchlab::read_file(bench::moby_dick()), VocabKind::Chars);
  auto config = preset_config("default");
  config.model.vocab = vocab.size();
  CharRnn model(config.model);
  SampleOptions options;
  options.length = sequences == 1 ? 2000 : 400;
  options.temperature = config.sample_temperature;
  options.num_samples = sequences;
  const auto secs = bench::time_runs([&] { sample_many(*model, vocab, options); }, 3);
  return {static_cast<double>(options.length * sequences) / bench::median(secs), "chars/s", true,
          "LSTM 512, vocab " + std::to_string(vocab.size()) + ", " + std::to_string(sequences) +
              (sequences == 1 ? " sequence" : " sequences at once") + ", kernels single step on one thread"};
}

bench::Register reg_sample("char_rnn/default_preset_sample_chars", [](int) { return default_preset_sample(1); });
bench::Register reg_sample8("char_rnn/default_preset_sample_chars_x8", [](int) { return default_preset_sample(8); });

bench::Register reg("char_rnn/tch_preset_train_chars", [](int cuda) { return tch_preset(cuda, "fp32"); });
// Mixed precision: the LSTM's recurrent GEMMs on bf16 operands (--precision bf16); Python: torch.autocast(bf16).
bench::Register reg_bf16("char_rnn/tch_preset_train_chars_bf16", [](int cuda) { return tch_preset(cuda, "bf16"); });

}  // namespace
