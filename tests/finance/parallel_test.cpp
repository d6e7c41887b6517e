#include "torchlab/finance/parallel.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using torchlab::finance::for_each_chunk;

namespace {

// Sets libtorch's thread count for a scope.
struct Threads {
  explicit Threads(int n) : before(at::get_num_threads()) { at::set_num_threads(n); }
  ~Threads() { at::set_num_threads(before); }
  int before;
};

int64_t covered(int64_t n, int64_t chunk) {
  std::vector<std::atomic<int>> hits(n);
  for_each_chunk(n, chunk, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  int64_t once = 0;
  for (auto& h : hits) once += h == 1;
  return once;
}

}  // namespace

TEST(Parallel, EveryRowOnceOverManyCalls) {
  Threads t(3);
  for (int call = 0; call < 300; ++call) {
    const int64_t n = 1 + call * 7, chunk = 1 + call % 13;
    ASSERT_EQ(covered(n, chunk), n) << "call " << call;
  }
}

TEST(Parallel, ErrorsReachTheCallerAndThePoolGoesOn) {
  Threads t(2);
  EXPECT_THROW(for_each_chunk(100, 3,
                              [](int64_t b, int64_t) {
                                if (b == 30) throw std::runtime_error("bad chunk");
                              }),
               std::runtime_error);
  EXPECT_EQ(covered(1000, 10), 1000);
}

TEST(Parallel, NestedAndConcurrentCallsFinish) {
  Threads t(2);
  std::atomic<int64_t> inner{0};
  for_each_chunk(8, 1, [&](int64_t, int64_t) { for_each_chunk(10, 3, [&](int64_t b, int64_t e) { inner += e - b; }); });
  EXPECT_EQ(inner.load(), 80);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int k = 0; k < 3; ++k)
    callers.emplace_back([&] {
      for (int call = 0; call < 50; ++call) for_each_chunk(100, 7, [&](int64_t b, int64_t e) { total += e - b; });
    });
  for (auto& c : callers) c.join();
  EXPECT_EQ(total.load(), 3 * 50 * 100);
}
