#include "torchlab/core/cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "torchlab/core/compat.h"

namespace torchlab {
namespace {

constexpr size_t kMinCached = size_t(4) << 20;  // see the header
constexpr size_t kAlignment = 64;               // libtorch's CPU alignment

// Rounds up to one of 8 classes per power of two, so a block serves requests up to 1/8 smaller than itself.
size_t size_class(size_t n) {
  size_t p = kMinCached;
  while (p <= n / 2) p *= 2;
  const size_t step = p / 8;
  return (n + step - 1) / step * step;
}

size_t default_limit() {
  // A quarter of the machine's memory, at most 4 GiB: enough for a training step's working set.
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  const size_t total = pages > 0 && page > 0 ? size_t(pages) * size_t(page) : size_t(8) << 30;
  return std::min(total / 4, size_t(4) << 30);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) TORCHLAB_ALLOCATE_CONST override {
    if (n < kMinCached) return base_->allocate(n);
    const size_t size = size_class(n);
    void* p = take(size);
    if (!p) {
      if (::posix_memalign(&p, kAlignment, size) != 0 || !p)
        TORCH_CHECK(false, "torchlab CPU allocator: out of memory allocating ", size, " bytes");
      std::lock_guard<std::mutex> lock(mu_);
      live_[p] = size;
    }
    return {p, p, &CachingCpuAllocator::release, c10::Device(c10::DeviceType::CPU)};
  }

  // oneDNN's scratch memory goes through raw_allocate/raw_deallocate, which need this. Small blocks come from
  // libtorch's allocator (posix_memalign), so release's free() is right for them too.
  c10::DeleterFnPtr raw_deleter() const override { return &CachingCpuAllocator::release; }

  // libtorch 2.x asks allocators to copy their own blocks (a pure virtual there, absent in 1.13).
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

  CpuCacheStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

  static CachingCpuAllocator& get() {
    static auto* instance = new CachingCpuAllocator();  // never destroyed: blocks may be freed during exit
    return *instance;
  }

 private:
  CachingCpuAllocator() : base_(c10::GetDefaultCPUAllocator()), limit_(default_limit()) {}

  void* take(size_t size) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(size);
    if (it == free_.end() || it->second.empty()) {
      ++stats_.misses;
      return nullptr;
    }
    void* p = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= size;
    ++stats_.hits;
    live_[p] = size;
    return p;
  }

  static void release(void* p) {
    auto& self = get();
    {
      std::lock_guard<std::mutex> lock(self.mu_);
      auto it = self.live_.find(p);
      const size_t size = it == self.live_.end() ? 0 : it->second;
      if (it != self.live_.end()) self.live_.erase(it);
      if (size && self.stats_.cached_bytes + size <= self.limit_) {
        self.free_[size].push_back(p);
        self.stats_.cached_bytes += size;
        return;
      }
    }
    std::free(p);
  }

  c10::Allocator* base_;
  size_t limit_;
  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, std::vector<void*>> free_;
  mutable std::unordered_map<void*, size_t> live_;  // blocks handed out, by address: their size class
  mutable CpuCacheStats stats_;
};

}  // namespace

c10::Allocator* caching_cpu_allocator() { return &CachingCpuAllocator::get(); }

void install_caching_cpu_allocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* choice = std::getenv("TORCHLAB_CPU_ALLOCATOR");
    if (choice && std::string(choice) == "malloc") return;
    c10::SetCPUAllocator(caching_cpu_allocator(), /*priority=*/1);
  });
}

CpuCacheStats cpu_cache_stats() { return CachingCpuAllocator::get().stats(); }

}  // namespace torchlab
