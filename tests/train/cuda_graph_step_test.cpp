// CudaGraphStep against plain eager steps on twin models: the same losses, parameters and Adam step counts, through
// clipping, a learning-rate change and an odd-shaped batch (eager in between replays). On CPU it must be the eager
// step exactly; the CUDA cases skip without a GPU.
#include "torchlab/train/cuda_graph_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "torchlab/train/optimize.h"

namespace {

using torchlab::train::Batch;
using torchlab::train::StepResult;

// A small char-rnn: LSTM on one-hot tokens and a linear head, the shape of the step CUDA graphs are for.
struct Net : torch::nn::Module {
  Net() {
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(7, 16)));
    head = register_module("head", torch::nn::Linear(16, 7));
  }
  torch::Tensor loss(const torch::Tensor& windows) {  // [B, T + 1] labels
    const int64_t T = windows.size(1) - 1;
    auto x = torch::one_hot(windows.narrow(1, 0, T).t(), 7).to(torch::kFloat32);
    auto y = head->forward(std::get<0>(lstm->forward(x)));
    return torch::nn::functional::cross_entropy(y.reshape({-1, 7}), windows.narrow(1, 1, T).t().reshape({-1}));
  }
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear head{nullptr};
};

struct Twin {
  std::shared_ptr<Net> net = std::make_shared<Net>();
  std::unique_ptr<torch::optim::Adam> adam;
  std::unique_ptr<torchlab::train::CudaGraphStep> step;
};

Twin make(torch::Device device, const torchlab::train::CudaGraphStepOptions& o) {
  torch::manual_seed(7);
  Twin t;
  t.net->to(device);
  t.adam = std::make_unique<torch::optim::Adam>(t.net->parameters(), torch::optim::AdamOptions(0.02));
  auto* net = t.net.get();
  auto* adam = t.adam.get();
  t.step = std::make_unique<torchlab::train::CudaGraphStep>(
      net->parameters(), *adam, o,
      [net, device](const Batch& b) {
        StepResult r;
        r.loss = net->loss(b[0].to(device));
        return r;
      },
      [net, adam, o](const torch::Tensor& loss) {
        adam->zero_grad();
        loss.backward();
        if (o.clip_value > 0) torchlab::train::clip_grad_value(net->parameters(), o.clip_value);
        if (o.clip_norm > 0) torchlab::train::clip_grad_norm(net->parameters(), o.clip_norm);
        adam->step();
      });
  return t;
}

Batch batch(int64_t i, int64_t rows = 8) {
  auto gen = at::detail::createCPUGenerator(100 + i);
  return {at::randint(0, 7, {rows, 13}, gen)};
}

// Every parameter's Adam step count (one state per parameter).
std::vector<int64_t> adam_steps(const Twin& t) {
  std::vector<int64_t> steps;
  for (const auto& [key, state] : t.adam->state())
    steps.push_back(static_cast<const torch::optim::AdamParamState&>(*state).step());
  return steps;
}

// Runs f, naming `what` when it throws (a CUDA error deep inside libtorch says little by itself).
template <typename F>
auto named(const std::string& what, F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << e.what();
    throw;
  }
}

// Runs `n` steps on both: `graphed` through CudaGraphStep, `eager` with warm-up forever (never captures).
void compare(torch::Device device, torchlab::train::CudaGraphStepOptions o, bool expect_capture) {
  Twin graphed = make(device, o);
  auto eager_o = o;
  eager_o.warmup_steps = 1 << 30;
  Twin eager = make(device, eager_o);
  for (int64_t i = 0; i < 12; ++i) {
    if (i == 6)  // a schedule's change: the replay must see it
      for (auto* t : {&graphed, &eager}) t->adam->param_groups()[0].options().set_lr(0.005);
    const Batch b = batch(i, i == 8 ? 5 : 8);  // step 8: another shape, so an eager step between replays
    const double a =
        named("graphed step " + std::to_string(i), [&] { return graphed.step->step(b).loss.item<double>(); });
    const double e = named("eager step " + std::to_string(i), [&] { return eager.step->step(b).loss.item<double>(); });
    EXPECT_NEAR(a, e, 1e-5 * std::abs(e)) << "step " << i;
  }
  EXPECT_EQ(graphed.step->captured(), expect_capture) << graphed.step->failure();
  const std::vector<int64_t> twelve(graphed.net->parameters().size(), 12);
  EXPECT_EQ(adam_steps(graphed), twelve);
  EXPECT_EQ(adam_steps(eager), twelve);
  const auto pa = graphed.net->parameters(), pe = eager.net->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::allclose(pa[i], pe[i], 1e-4, 1e-5)) << "parameter " << i;
  if (expect_capture) {
    // The replays trained: the parameters moved from their initial values.
    EXPECT_FALSE(torch::equal(pa[0], make(device, o).net->parameters()[0]));
  }
  named("teardown", [&] {
    graphed = Twin();
    return 0;
  });
}

TEST(CudaGraphStep, CpuIsTheEagerStepExactly) {
  torchlab::train::CudaGraphStepOptions o;
  o.clip_value = 0.5;
  EXPECT_FALSE(
      torchlab::train::CudaGraphStep::unsupported(Net().parameters(), torch::optim::SGD(Net().parameters(), 0.1))
          .empty());
  Twin graphed = make(torch::kCPU, o);
  o.warmup_steps = 1 << 30;
  Twin eager = make(torch::kCPU, o);
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_EQ(graphed.step->step(batch(i)).loss.item<double>(), eager.step->step(batch(i)).loss.item<double>());
  EXPECT_FALSE(graphed.step->captured());
  EXPECT_FALSE(graphed.step->failure().empty());  // says why: CPU parameters or a build without CUDA graphs
}

TEST(CudaGraphStep, CudaReplaysMatchEagerStepsWithValueClipping) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torchlab::train::CudaGraphStepOptions o;
  o.clip_value = 0.5;
  compare(torch::kCUDA, o, true);
}

TEST(CudaGraphStep, CudaReplaysMatchEagerStepsWithNormClipping) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torchlab::train::CudaGraphStepOptions o;
  o.clip_norm = 0.3;  // small enough to bite
  compare(torch::kCUDA, o, true);
}

}  // namespace
