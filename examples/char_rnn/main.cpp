// char_rnn: tch-rs's examples/char-rnn on torchlab. An LSTM learns a text one byte at a time (each window of
// SEQ_LEN bytes predicts the next byte at every position), with a progress bar per epoch; then it writes a sample.
//   char_rnn [text file]      (default: data/input.txt; any text of a few KB or more)
#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "torchlab/core/console.h"
#include "torchlab/text/corpus.h"
#include "torchlab/text/model.h"
#include "torchlab/text/sampler.h"
#include "torchlab/text/windows.h"
#include "torchlab/train/optimize.h"

using namespace torchlab;

// Small on purpose: a few seconds on a small text. tch-rs uses HIDDEN 256, SEQ_LEN 180, BATCH_SIZE 256.
constexpr int64_t EPOCHS = 3;
constexpr int64_t HIDDEN = 128;
constexpr int64_t SEQ_LEN = 64;
constexpr int64_t BATCH_SIZE = 32;
constexpr double LEARNING_RATE = 0.01;
constexpr double GRAD_CLIP = 0.5;  // every gradient element clamped to [-0.5, 0.5], as tch-rs does
constexpr int64_t SAMPLE_LEN = 200;

int main(int argc, char** argv) try {
  const std::string path = argc > 1 ? argv[1] : "data/input.txt";
  text::Corpus corpus = text::load_corpus(path, text::VocabKind::Bytes, SEQ_LEN);
  std::printf("Dataset loaded, %lld labels.\n", static_cast<long long>(corpus.vocab.size()));

  text::ModelOptions options;
  options.vocab = corpus.vocab.size();
  options.hidden = HIDDEN;
  text::CharRnn model(options);
  torch::optim::Adam optimizer(model->parameters(), LEARNING_RATE);
  // Non-overlapping windows of SEQ_LEN + 1 bytes, in a shuffled order per epoch.
  text::WindowSource windows(corpus.train, SEQ_LEN, BATCH_SIZE, /*seed=*/42, /*shuffle=*/true);

  for (int64_t epoch = 1; epoch <= EPOCHS; ++epoch) {
    windows.set_epoch(epoch);
    const int64_t batches = windows.batches_per_epoch();
    ProgressBar bar("Epoch " + std::to_string(epoch), batches);  // on stderr: live on a terminal, log lines otherwise
    double sum = 0;
    for (int64_t i = 0; i < batches; ++i) {
      torch::Tensor loss = model->loss(windows.batch(i)[0]);  // mean cross-entropy, nats per byte
      optimizer.zero_grad();
      loss.backward();
      train::clip_grad_value(model->parameters(), GRAD_CLIP);
      optimizer.step();
      sum += loss.item<double>();
      bar.update(i + 1, {{"loss", std::to_string(sum / (i + 1)).substr(0, 5)}});
    }
    bar.finish();
    std::printf("Epoch: %lld, loss: %.3f\n", static_cast<long long>(epoch), sum / batches);
  }

  text::SampleOptions sample;
  sample.length = SAMPLE_LEN;
  std::printf("Sample:\n%s\n", text::sample(*model, corpus.vocab, sample).c_str());
} catch (const std::exception& e) {  // a missing or too short file is a torchlab::UserError saying what and where
  std::fprintf(stderr, "char_rnn: %s\n", e.what());
  return 2;
}
