#include "torchlab/dist/self_check.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "torchlab/core/error.h"
#include "torchlab/dist/data_parallel.h"

namespace torchlab::dist {
namespace {

// y = x·w + noise, in shuffled batches whose order depends only on (seed, epoch).
class RegressionSource : public train::BatchSource {
 public:
  RegressionSource(int64_t n, int64_t batch, torch::Device device) : batch_(batch), perm_(torch::arange(n)) {
    auto gen = at::detail::createCPUGenerator(7);
    x_ = at::randn({n, 8}, gen);
    y_ = x_.matmul(at::randn({8, 1}, gen)) + 0.1 * at::randn({n, 1}, gen);
    x_ = x_.to(device);
    y_ = y_.to(device);
  }
  int64_t batches_per_epoch() const override { return perm_.size(0) / batch_; }
  void set_epoch(int64_t epoch) override {
    perm_ = at::randperm(perm_.size(0), at::detail::createCPUGenerator(1000 + epoch), torch::kInt64);
  }
  train::Batch batch(int64_t i) override {
    auto idx = perm_.narrow(0, i * batch_, batch_).to(x_.device());
    return {x_.index_select(0, idx), y_.index_select(0, idx)};
  }

 private:
  int64_t batch_;
  torch::Tensor perm_, x_, y_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

SelfCheckResult self_check(Context& context, const SelfCheckOptions& options) {
  SelfCheckResult out;
  out.world_size = context.world_size();
  const auto dev = torch::TensorOptions().device(options.device);
  const int w = context.world_size();

  auto ranks = torch::full({1}, static_cast<double>(context.rank()), dev.dtype(torch::kFloat64));
  context.allreduce_sum({ranks}, "rank-sum check");
  const double want = w * (w - 1) / 2.0;
  if (ranks.item<double>() != want)
    throw UserError("all-reduce check failed on rank " + std::to_string(context.rank()) + ": the ranks sum to " +
                    std::to_string(ranks.item<double>()) + ", expected " + std::to_string(want));
  out.backend = context.backend();
  if (options.fail_on_rank == context.rank())
    throw UserError("rank " + std::to_string(context.rank()) + " fails on purpose (--fail-on-rank)");

  const int64_t n = std::max<int64_t>(1, static_cast<int64_t>(options.size_mb * (1 << 20) / 4));
  auto payload = torch::ones({n}, dev.dtype(torch::kFloat32));
  out.bytes = n * 4;
  std::vector<double> times;
  for (int i = 0; i <= std::max(1, options.repeats); ++i) {
    context.barrier("barrier before timed all-reduce " + std::to_string(i));
    const auto start = std::chrono::steady_clock::now();
    context.allreduce_sum({payload}, "timed all-reduce " + std::to_string(i));
    if (options.device.is_cuda()) (void)payload[0].item<float>();  // wait for the GPU
    if (i > 0) times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double t = median(times);
  out.allreduce_ms = t * 1e3;
  out.bus_gb_per_s = w > 1 ? out.bytes * 2.0 * (w - 1) / w / t / 1e9 : 0;

  if (options.train_steps > 0) {
    torch::manual_seed(1);
    auto model = std::make_shared<torch::nn::SequentialImpl>(torch::nn::Linear(8, 32), torch::nn::Tanh(),
                                                             torch::nn::Linear(32, 1));
    model->to(options.device);
    auto sgd = std::make_shared<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.05));
    const nlohmann::json config = {{"task", "dist-check"}, {"world_size", w}};
    auto run = create_run_dir(context, options.runs_dir, options.run_name, "dist-check", true, config);
    train::LearnerOptions lo;
    const int64_t per_epoch = std::max(1, 64 / w);  // batches of 16 out of 1024 examples, shared by the ranks
    lo.epochs = (options.train_steps + per_epoch - 1) / per_epoch;
    lo.max_steps = options.train_steps;
    lo.log_every_steps = 10;
    lo.write_report = false;
    lo.unit = "examples";
    lo.device = options.device.str();
    lo.resume_hint = "a new dist-check";
    train::Learner learner(run, model, sgd, configure(context, lo));
    const int step_ms = options.step_ms;
    learner.train_step = [model, step_ms](const train::Batch& b) {
      if (step_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
      train::StepResult r;
      r.loss = torch::mse_loss(model->forward(b[0]), b[1]);
      r.items = b[0].size(0);
      return r;
    };
    learner.checkpoint_kind = "dist-check";
    RegressionSource source(64 * 16, 16, options.device);
    {
      auto data = attach(context, learner, *model, source);
      learner.fit(data);
    }
    out.steps = learner.progress().step;
    out.run_dir = run.dir();
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> flat;
    for (const auto& p : model->parameters()) flat.push_back(p.reshape({-1}));
    auto mine = torch::cat(flat).to(torch::kFloat64);
    auto chief = mine.clone();
    context.broadcast({chief}, 0, "parameter comparison");
    auto spread = (mine - chief).abs().max().reshape({1});
    context.allreduce_sum({spread}, "parameter comparison");
    out.param_spread = spread.item<double>();
  }
  context.barrier("final barrier");
  return out;
}

}  // namespace torchlab::dist
