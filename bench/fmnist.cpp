// Fashion-MNIST workloads (issue 7). Python side: bench/reference/fmnist.py.
//  fmnist/conv_train_images   training throughput of tch-rs's conv net (conv 1->32 k5, pool, conv 32->64 k5, pool,
//                             fc 1024->1024, dropout 0.5, fc 1024->10), batch 256, Adam 1e-3, on shuffled
//                             Fashion-MNIST training images: the batch pipeline, forward, cross-entropy, backward
//                             and the optimizer step, exactly as `torchlab mnist train --model conv` runs them.
#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "harness.h"
#include "torchlab/train/fused_adam.h"
#include "torchlab/vision/batches.h"
#include "torchlab/vision/classify_step.h"
#include "torchlab/vision/mnist.h"
#include "torchlab/vision/models.h"

namespace {

using namespace torchlab::vision;

constexpr int64_t kBatch = 256;
constexpr int64_t kStepsPerRun = 20;
constexpr int kRepeats = 5;

bench::Register conv_train("fmnist/conv_train_images", [](int cuda) {
  const torch::Device device = cuda ? torch::kCUDA : torch::kCPU;
  torch::manual_seed(0);
  const auto train = load_mnist_split(kDefaultMnistDir, "train");
  BatchOptions options;
  options.batch_size = kBatch;
  options.device = device;
  MnistBatches batches(train, options);
  auto model = make_classifier("conv", device);
  model->train();
  torchlab::train::FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  int64_t next = 0;
  auto run = [&] {
    for (int64_t s = 0; s < kStepsPerRun; ++s) {
      const auto r = classify_step(*model, batches.batch(next++ % batches.batches_per_epoch()));
      adam.zero_grad();
      r.loss.backward();
      adam.step();
    }
    if (cuda) torch::cuda::synchronize();
  };
  const auto secs = bench::time_runs(run, kRepeats, 1);
  const double images_per_s = kStepsPerRun * kBatch / bench::median(secs);
  char note[160];
  std::snprintf(note, sizeof note, "tch-rs conv net, batch %lld, Adam 1e-3, median of %d runs of %lld steps",
                static_cast<long long>(kBatch), kRepeats, static_cast<long long>(kStepsPerRun));
  return bench::Result{images_per_s, "images/s", true, note};
});

}  // namespace
