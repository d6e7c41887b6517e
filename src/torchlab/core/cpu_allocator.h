#pragma once
// A CPU allocator for libtorch that keeps freed large blocks for reuse. A training step allocates the same big tensors
// every time (activations, gradients, logits: tens of MB each); from malloc, anything over 32 MiB is a fresh mmap
// that the kernel page-faults and zeroes anew on every step, which is 10-20 % of a char-rnn step here. Blocks of
// 4 MiB or more go to size-class free lists (at most 1/8 slack) up to a cache limit; smaller ones go to libtorch's
// own allocator, whose per-thread arenas keep them hot in the cache of the core that reuses them (a shared list from
// 1 MiB up cost the chunked Greeks 10 %).
#include <cstddef>

namespace c10 {
struct Allocator;
}

namespace torchlab {

// Makes the caching allocator libtorch's CPU allocator (idempotent). TORCHLAB_CPU_ALLOCATOR=malloc in the environment
// leaves libtorch's default in place.
void install_caching_cpu_allocator();

struct CpuCacheStats {
  size_t cached_bytes = 0;  // free blocks held for reuse
  size_t hits = 0;          // allocations served from the cache
  size_t misses = 0;        // large allocations that had to come from the system
};
CpuCacheStats cpu_cache_stats();

// The allocator itself (for tests); `install_caching_cpu_allocator` registers this one.
c10::Allocator* caching_cpu_allocator();

}  // namespace torchlab
