#pragma once
// Data-parallel training in three calls, each a no-op (or the plain thing) in a single process, so a train command
// works unchanged without `torchlab launch`:
//
//   auto run = dist::create_run_dir(root, name, prefix, overwrite, config);   // rank 0 creates, the others open it
//   train::Learner learner(run, model, optimizer, dist::configure(options)); // rank, world size; quiet off rank 0
//   auto data = dist::attach(learner, *model, train_source);                 // this rank's shard of the epochs
//   learner.fit(data, &valid_source);
//
// attach makes the first step broadcast rank 0's parameters and buffers, averages gradients after every backward
// (GradientSync), averages logged metrics across ranks, makes Ctrl-C stop every rank after the same step, records the
// world size in checkpoints (resume needs the same one), and — when `data` goes out of scope normally — waits for
// every rank (barrier) so no rank leaves while another still needs it. Validation runs whole on every rank.
// configure() also makes options.lr_schedule follow the data seen (step s of W ranks = step s·W of one process), so a
// schedule written for one process spans the same epochs. attach works before or after Learner::resume(); the first
// step checks every rank starts from the same step (resuming needs every rank to read the run directory).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "torchlab/dist/context.h"
#include "torchlab/dist/sharded_source.h"
#include "torchlab/train/learner.h"
#include "torchlab/train/run_dir.h"

namespace torchlab::dist {

class GradientSync;

// The source attach returns: this rank's shard, plus the end-of-training barrier in its destructor (skipped while an
// exception unwinds: the other ranks then fail on their own, naming this one).
class DataParallelSource : public ShardedSource {
 public:
  DataParallelSource(train::BatchSource& inner, Context& context, std::shared_ptr<GradientSync> sync);
  ~DataParallelSource() override;
  DataParallelSource(const DataParallelSource&) = delete;
  DataParallelSource& operator=(const DataParallelSource&) = delete;

  // Bytes all-reduced per optimizer step (0 in a single process).
  int64_t bytes_per_step() const;

 private:
  Context& context_;
  std::shared_ptr<GradientSync> sync_;
};

train::RunDir create_run_dir(Context& context, const std::filesystem::path& root, const std::string& name,
                             const std::string& prefix, bool overwrite, const nlohmann::json& config);
// Opens a run to continue it (--resume): rank 0 takes the run's writer lock (RunDir::open_to_write), the other ranks
// only read it.
train::RunDir open_run_dir(Context& context, const std::filesystem::path& dir);
train::LearnerOptions& configure(Context& context, train::LearnerOptions& options);
DataParallelSource attach(Context& context, train::Learner& learner, torch::nn::Module& model,
                          train::BatchSource& train);

// The same with this process's Context (Context::process(), from the environment).
train::RunDir create_run_dir(const std::filesystem::path& root, const std::string& name, const std::string& prefix,
                             bool overwrite, const nlohmann::json& config);
train::RunDir open_run_dir(const std::filesystem::path& dir);
train::LearnerOptions& configure(train::LearnerOptions& options);
DataParallelSource attach(train::Learner& learner, torch::nn::Module& model, train::BatchSource& train);

}  // namespace torchlab::dist
