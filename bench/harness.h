#pragma once
// Benchmark harness: a workload registers a function that runs the work and reports one result. `torchlab_bench
// NAME` runs one workload and prints its result as a JSON line; bench/run.py runs each workload in a fresh process
// (so peak RSS is the workload's own) beside bench/reference/<file>.py and prints the table.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bench {

struct Result {
  double value;      // the median over repeats
  std::string unit;  // "us", "options/s", "chars/s", ...
  bool higher_is_better;
  std::string note;  // free text: sizes, repeats
};

struct Workload {
  std::string name;
  std::function<Result(int device_is_cuda)> run;
};

std::vector<Workload>& workloads();

struct Register {
  Register(std::string name, std::function<Result(int)> run) {
    workloads().push_back({std::move(name), std::move(run)});
  }
};

double median(std::vector<double> v);

// The char-rnn text (text::find_default_corpus); a clear error when it is missing.
std::string moby_dick();

// Runs fn `repeats` times after `warmup` runs; returns the seconds of each timed run.
std::vector<double> time_runs(const std::function<void()>& fn, int repeats, int warmup = 1);

}  // namespace bench
