// dist/char_rnn_{1,2}proc_chars: char_rnn/tch_preset_train_chars's training step (bytes, LSTM 256, batch 256 x 180,
// Adam 0.01, clip 0.5) run data-parallel by N processes of this program on 127.0.0.1 — each rank its shard of the
// windows, gradients averaged by dist::GradientSync over c10d (Gloo on CPU, NCCL on CUDA). The value is the total
// characters per second of all ranks; the note says how many bytes each rank all-reduces per step and how long the
// all-reduce took. The workload starts its ranks itself (this binary, with torchrun's environment).
#include <fcntl.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "harness.h"
#include "torchlab/dist/context.h"
#include "torchlab/dist/env.h"
#include "torchlab/dist/grad_sync.h"
#include "torchlab/dist/sharded_source.h"
#include "torchlab/text/corpus.h"
#include "torchlab/text/model.h"
#include "torchlab/text/windows.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One rank: times the data-parallel step; rank 0 writes {chars_per_s, bytes, sync_ms, backend} to `out`.
void worker(bool cuda, const fs::path& out) {
  using namespace torchlab;
  const int64_t seq = 180, batch = 256;
  dist::Context context(dist::Env::from_environment());
  // NCCL needs one GPU per rank.
  const auto device = cuda ? torch::Device(torch::kCUDA, context.local_rank()) : torch::Device(torch::kCPU);
  torch::manual_seed(42);
  auto corpus = text::load_corpus(bench::moby_dick(), text::VocabKind::Bytes, seq);
  text::ModelOptions mo;
  mo.vocab = corpus.vocab.size();
  mo.hidden = 256;
  text::CharRnn model(mo);
  model->to(device);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.01));
  text::WindowSource windows(corpus.train, seq, batch, 42, true);
  dist::ShardedSource shard(windows, context.rank(), context.world_size());
  shard.set_epoch(1);
  dist::GradientSync sync(context, model->parameters());
  {
    torch::NoGradGuard no_grad;
    context.broadcast(model->parameters(), 0, "broadcast of the parameters");
  }
  int64_t next = 0;
  double sync_s = 0;
  auto step = [&] {
    auto w = shard.batch(next++ % shard.batches_per_epoch())[0].to(device);
    adam.zero_grad();
    auto loss = model->loss(w);
    loss.backward();
    const auto t0 = Clock::now();
    sync.sync("gradient all-reduce at step " + std::to_string(next));
    sync_s += std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& p : model->parameters()) p.grad().clamp_(-0.5, 0.5);
    adam.step();
    loss.item<double>();
  };
  step();  // warm-up
  sync_s = 0;
  const int repeats = 4;
  const auto secs = bench::time_runs(step, repeats, 0);
  context.barrier("end of the benchmark");
  if (context.rank() != 0) return;
  const nlohmann::json j = {{"chars_per_s", context.world_size() * batch * seq / bench::median(secs)},
                            {"bytes", sync.bytes_per_step()},
                            {"sync_ms", sync_s / repeats * 1e3},
                            {"step_s", bench::median(secs)},
                            {"threads", torch::get_num_threads()},
                            {"backend", context.backend()},
                            {"fused", model->fused_active()}};
  std::ofstream(out) << j.dump();
}

bench::Result run_ranks(int world, bool cuda, const std::string& name) {
  if (const char* out = std::getenv("TORCHLAB_BENCH_DIST_OUT")) {  // this process is one of the ranks
    worker(cuda, out);
    return {0, "chars/s", true, "rank"};
  }
  if (cuda && torch::cuda::device_count() < world)
    throw std::runtime_error(std::to_string(world) + " ranks need " + std::to_string(world) +
                             " GPUs (NCCL: one per rank); this machine has " +
                             std::to_string(torch::cuda::device_count()));
  const auto out = fs::temp_directory_path() / ("torchlab-bench-dist-" + std::to_string(::getpid()) + ".json");
  const int port = torchlab::dist::free_port();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < world; ++rank) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    for (const std::string kv :
         {"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world),
          "LOCAL_WORLD_SIZE=" + std::to_string(world), std::string("MASTER_ADDR=127.0.0.1"),
          "MASTER_PORT=" + std::to_string(port), "TORCHLAB_BENCH_DIST_OUT=" + out.string()})
      env.push_back(kv);
    std::vector<char*> envp;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe", n = name, dev = cuda ? "cuda" : "cpu";
    char* argv[] = {exe.data(), n.data(), dev.data(), nullptr};
    const pid_t pid = fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);  // the ranks' own result lines are not this workload's
      ::execve(exe.c_str(), argv, envp.data());
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  bool ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  std::ifstream in(out);
  if (!ok || !in) throw std::runtime_error("a rank of " + name + " failed");
  const auto j = nlohmann::json::parse(in);
  fs::remove(out);
  std::ostringstream note;
  note.precision(3);
  note << world << " process" << (world == 1 ? "" : "es") << " x " << j["threads"].get<int>() << " thread"
       << (j["threads"].get<int>() == 1 ? "" : "s") << ", " << j["backend"].get<std::string>() << ", "
       << (j["fused"].get<bool>() ? "fused LSTM" : "torch::nn::LSTM") << ", batch 256 x 180 per rank; "
       << j["bytes"].get<int64_t>() / 1e6 << " MB all-reduced per step in " << j["sync_ms"].get<double>()
       << " ms; median of 4 steps";
  return {j["chars_per_s"].get<double>(), "chars/s", true, note.str()};
}

bench::Register one("dist/char_rnn_1proc_chars",
                    [](int cuda) { return run_ranks(1, cuda, "dist/char_rnn_1proc_chars"); });
bench::Register two("dist/char_rnn_2proc_chars",
                    [](int cuda) { return run_ranks(2, cuda, "dist/char_rnn_2proc_chars"); });

}  // namespace
