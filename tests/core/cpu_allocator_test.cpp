#include "torchlab/core/cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

using torchlab::caching_cpu_allocator;
using torchlab::cpu_cache_stats;

TEST(CpuAllocator, AFreedLargeBlockIsReusedForTheSameSize) {
  auto* a = caching_cpu_allocator();
  const size_t n = size_t(6) << 20;
  void* first = nullptr;
  {
    auto block = a->allocate(n);
    first = block.get();
    std::memset(first, 1, n);  // the whole block is ours to write
  }
  const auto before = cpu_cache_stats();
  auto again = a->allocate(n);
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(cpu_cache_stats().hits, before.hits + 1);
  EXPECT_EQ(cpu_cache_stats().cached_bytes + n, before.cached_bytes);
  // A slightly smaller request falls in the same size class; a live block is never handed out twice.
  auto other = a->allocate(n - 1000);
  EXPECT_NE(other.get(), again.get());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(other.get()) % 64, 0u);
}

TEST(CpuAllocator, SmallBlocksGoToLibtorchsAllocator) {
  const auto before = cpu_cache_stats();
  { auto small = caching_cpu_allocator()->allocate(4096); }
  const auto after = cpu_cache_stats();
  EXPECT_EQ(after.hits + after.misses, before.hits + before.misses);
  EXPECT_EQ(after.cached_bytes, before.cached_bytes);
}

TEST(CpuAllocator, TensorsAllocatedThroughItKeepTheirValues) {
  torchlab::install_caching_cpu_allocator();
  const auto before = cpu_cache_stats();
  { auto t = torch::full({1 << 21}, 2.5f); }  // 8 MiB
  auto a = torch::arange(1 << 21, torch::kFloat32);
  auto b = a * 2;
  EXPECT_EQ(b[12345].item<float>(), 24690.f);
  EXPECT_EQ(a[(1 << 21) - 1].item<float>(), float((1 << 21) - 1));
  EXPECT_GT(cpu_cache_stats().hits, before.hits);  // a or b reused the first tensor's block
}
