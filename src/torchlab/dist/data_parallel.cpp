#include "torchlab/dist/data_parallel.h"

#include <torch/torch.h>

#include <exception>

#include "torchlab/core/console.h"
#include "torchlab/core/error.h"
#include "torchlab/dist/grad_sync.h"
#include "torchlab/dist/stop_agreement.h"
#include "torchlab/dist/threads.h"

namespace torchlab::dist {
namespace {

std::string at_step(const train::Learner& learner) { return " at step " + std::to_string(learner.progress().step + 1); }

void check_world_size(const nlohmann::json& meta, int world) {
  const int saved = meta.value("world_size", 1);
  if (saved != world)
    throw UserError("the checkpoint was written by a run of " + std::to_string(saved) + " process" +
                    (saved == 1 ? "" : "es") + " and this run has " + std::to_string(world) +
                    "; resume it with the same number (torchlab launch --nproc " + std::to_string(saved) + ")");
}

// For a Learner resumed before attach: the checkpoint it loaded (the newest one at its step) must match too.
void check_resumed(train::Learner& learner, int world) {
  const int64_t step = learner.progress().step;
  if (step == 0) return;
  const auto list = learner.run().checkpoints();
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    Checkpoint ckpt;
    try {
      ckpt = learner.load_checkpoint_file(*it);
    } catch (const UserError&) {
      continue;  // the Learner skipped it too
    }
    if (ckpt.meta.value("progress", nlohmann::json::object()).value("step", int64_t(-1)) != step) continue;
    check_world_size(ckpt.meta, world);
    return;
  }
}

}  // namespace

DataParallelSource::DataParallelSource(train::BatchSource& inner, Context& context, std::shared_ptr<GradientSync> sync)
    : ShardedSource(inner, context.rank(), context.world_size()), context_(context), sync_(std::move(sync)) {}

DataParallelSource::~DataParallelSource() {
  if (!context_.env().present || std::uncaught_exceptions() > 0) return;
  try {
    context_.barrier("end-of-training barrier");
  } catch (const std::exception& e) {
    Console::get().err(std::string("warning: ") + e.what() + "\n");
  }
}

int64_t DataParallelSource::bytes_per_step() const { return sync_ ? sync_->bytes_per_step() : 0; }

train::RunDir create_run_dir(Context& context, const std::filesystem::path& root, const std::string& name,
                             const std::string& prefix, bool overwrite, const nlohmann::json& config) {
  if (!context.env().present) return train::RunDir::create(root, name, prefix, overwrite, config);
  static int calls = 0;
  const std::string key = "run_dir/" + std::to_string(calls++);
  if (context.chief()) {
    try {
      auto run = train::RunDir::create(root, name, prefix, overwrite, config);
      context.store_set(key, "ok\n" + std::filesystem::absolute(run.dir()).string());
      return run;
    } catch (const std::exception& e) {
      context.store_set(key, std::string("error\n") + e.what());
      throw;
    }
  }
  const std::string reply = context.store_get(key);
  const auto nl = reply.find('\n');
  if (reply.compare(0, nl, "ok") != 0)
    throw UserError("rank 0 could not create the run directory: " + reply.substr(nl + 1));
  const std::filesystem::path dir = reply.substr(nl + 1);
  if (std::filesystem::exists(dir / "config.json")) return train::RunDir::open(dir);
  // Another machine without rank 0's filesystem: a local stand-in, which this rank never writes to.
  return train::RunDir::create(dir.parent_path(), dir.filename().string(), prefix, false, config);
}

train::RunDir open_run_dir(Context& context, const std::filesystem::path& dir) {
  return context.chief() ? train::RunDir::open_to_write(dir) : train::RunDir::open(dir);
}

train::LearnerOptions& configure(Context& context, train::LearnerOptions& options) {
  const int world = context.world_size();
  options.rank = context.rank();
  options.world_size = world;
  if (!context.chief()) options.quiet = true;  // rank 0 alone shows the dashboard
  // A step of W ranks reads W batches: the schedule follows the data seen, so it spans the same epochs.
  if (world > 1 && options.lr_schedule)
    options.lr_schedule = [schedule = options.lr_schedule, world](int64_t step) { return schedule(step * world); };
  cap_threads_per_worker(context.env().local_world_size);
  return options;
}

DataParallelSource attach(Context& context, train::Learner& learner, torch::nn::Module& model,
                          train::BatchSource& train) {
  const int world = context.world_size();
  // Checkpoints say how many processes wrote them: the position in an epoch counts this rank's batches.
  auto save = learner.save_extra;
  learner.save_extra = [save, world](Checkpoint& ckpt) {
    if (save) save(ckpt);
    if (world > 1) ckpt.meta["world_size"] = world;
  };
  auto load = learner.load_extra;
  learner.load_extra = [load, world](const Checkpoint& ckpt) {
    check_world_size(ckpt.meta, world);
    if (load) load(ckpt);
  };
  check_resumed(learner, world);
  if (!context.env().present) return DataParallelSource(train, context, nullptr);

  const auto& o = learner.options();
  if (o.rank != context.rank() || o.world_size != world)
    throw std::logic_error("dist::attach: the Learner was made for rank " + std::to_string(o.rank) + " of " +
                           std::to_string(o.world_size) + "; pass its options through dist::configure first");
  if (!learner.parameters().empty()) context.set_device(learner.parameters().front().device());
  auto sync = std::make_shared<GradientSync>(context, learner.parameters());
  std::vector<at::Tensor> state;
  for (const auto& p : model.parameters()) state.push_back(p);
  for (const auto& b : model.buffers()) state.push_back(b);
  auto pending_broadcast = std::make_shared<bool>(true);

  auto step = learner.train_step;
  learner.train_step = [step, &context, &learner, state, pending_broadcast](const train::Batch& batch) {
    arm_stop_agreement();
    if (*pending_broadcast) {  // at the first step, after any resume: every rank starts from rank 0's weights
      torch::NoGradGuard no_grad;
      const double s = static_cast<double>(learner.progress().step);
      auto sums = torch::tensor({s, s * s}, torch::kFloat64);  // all equal <=> W * sum(s^2) == sum(s)^2
      context.allreduce_sum({sums}, "start-of-training check");
      const double total = sums[0].item<double>();
      if (context.world_size() * sums[1].item<double>() != total * total)
        throw UserError("the ranks start from different steps (rank " + std::to_string(context.rank()) + " from step " +
                        std::to_string(learner.progress().step) +
                        "): to resume, every rank must read the same run directory (on a filesystem all machines "
                        "share)");
      context.broadcast(state, 0, "broadcast of the parameters from rank 0");
      *pending_broadcast = false;
    }
    auto r = step(batch);
    if (!r.loss.defined()) {  // a step that optimized by itself: agree on stopping here instead
      auto flag = torch::full({1}, local_stop_request() ? 1.0 : 0.0, torch::kFloat64);
      context.allreduce_sum({flag}, "stop check" + at_step(learner));
      apply_stop_agreement(flag.item<double>() > 0);
    }
    return r;
  };
  auto after = learner.after_backward;
  learner.after_backward = [after, sync, &learner] {
    if (after) after();
    const int asked = sync->sync("gradient all-reduce" + at_step(learner), local_stop_request() ? 1 : 0);
    apply_stop_agreement(asked > 0);
  };
  auto reduce = learner.reduce_metrics;
  learner.reduce_metrics = [reduce, &context, &learner, world](std::map<std::string, double>& metrics) {
    if (reduce) reduce(metrics);
    if (metrics.empty()) return;
    std::vector<double> sums;
    for (const auto& [k, v] : metrics) sums.push_back(v);
    auto values = torch::from_blob(sums.data(), {static_cast<int64_t>(sums.size())}, torch::kFloat64);
    context.allreduce_sum({values}, "metrics reduce after step " + std::to_string(learner.progress().step));
    size_t i = 0;
    for (auto& [k, v] : metrics) v = sums[i++] / world;
  };
  return DataParallelSource(train, context, std::move(sync));
}

train::RunDir create_run_dir(const std::filesystem::path& root, const std::string& name, const std::string& prefix,
                             bool overwrite, const nlohmann::json& config) {
  return create_run_dir(Context::process(), root, name, prefix, overwrite, config);
}

train::RunDir open_run_dir(const std::filesystem::path& dir) { return open_run_dir(Context::process(), dir); }

train::LearnerOptions& configure(train::LearnerOptions& options) { return configure(Context::process(), options); }

DataParallelSource attach(train::Learner& learner, torch::nn::Module& model, train::BatchSource& train) {
  return attach(Context::process(), learner, model, train);
}

}  // namespace torchlab::dist
