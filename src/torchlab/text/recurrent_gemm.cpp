#include "torchlab/text/recurrent_gemm.h"

#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors only live inside the AVX-512 kernel

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace torchlab::text {
namespace {

constexpr int64_t kMr = 8;   // rows of C per micro-kernel call
constexpr int64_t kNr = 32;  // columns: two 16-float vectors

typedef float v16 __attribute__((vector_size(64)));

// C[rows x 32] += Apack[K][8] Bpanel[K][32]: sixteen accumulators stay in registers for the whole K loop.
__attribute__((target("avx512f"))) void micro_kernel(const float* __restrict ap, const float* __restrict bp, int64_t k,
                                                     float* __restrict c, int64_t ldc, int64_t rows) {
  v16 acc[kMr][2] = {};
  for (int64_t kk = 0; kk < k; ++kk) {
    v16 b0, b1;
    __builtin_memcpy(&b0, bp + kk * kNr, sizeof b0);
    __builtin_memcpy(&b1, bp + kk * kNr + 16, sizeof b1);
    const float* a = ap + kk * kMr;
#pragma GCC unroll 8
    for (int64_t i = 0; i < kMr; ++i) {
      acc[i][0] += a[i] * b0;
      acc[i][1] += a[i] * b1;
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    float* ci = c + i * ldc;
    for (int half = 0; half < 2; ++half) {
      v16 x;
      __builtin_memcpy(&x, ci + 16 * half, sizeof x);
      x += acc[i][half];
      __builtin_memcpy(ci + 16 * half, &x, sizeof x);
    }
  }
}

}  // namespace

void PackedWeight::Free::operator()(float* p) const { std::free(p); }

std::unique_ptr<float[], PackedWeight::Free> PackedWeight::aligned(int64_t floats) {
  const size_t bytes = (static_cast<size_t>(std::max<int64_t>(floats, 1)) * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return std::unique_ptr<float[], Free>(static_cast<float*>(p));
}

bool PackedWeight::supported(int64_t n) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 && n > 0 && n % kNr == 0;
}

PackedWeight::PackedWeight(const float* src, int64_t k, int64_t n, int64_t stride_k, int64_t stride_n) {
  repack(src, k, n, stride_k, stride_n);
}

void PackedWeight::repack(const float* src, int64_t k, int64_t n, int64_t stride_k, int64_t stride_n) {
  if (k * n > panels_capacity_) {
    panels_ = aligned(k * n);
    panels_capacity_ = k * n;
  }
  k_ = k;
  n_ = n;
  for (int64_t p = 0; p < n / kNr; ++p)
    for (int64_t kk = 0; kk < k; ++kk) {
      float* dst = panels_.get() + (p * k + kk) * kNr;
      const float* s = src + kk * stride_k + p * kNr * stride_n;
      for (int64_t j = 0; j < kNr; ++j) dst[j] = s[j * stride_n];
    }
}

void PackedWeight::gemm_acc(const float* a, int64_t lda, int64_t stride_ak, float* c, int64_t ldc, int64_t m) {
  const int64_t blocks = (m + kMr - 1) / kMr, k = k_;
  if (blocks * kMr * k > a_capacity_) {
    a_pack_ = aligned(blocks * kMr * k);
    a_capacity_ = blocks * kMr * k;
  }
  float* pack = a_pack_.get();
  const float* panels = panels_.get();
  const int64_t n_panels = n_ / kNr;
  // Threads take disjoint row blocks: each packs its own rows of A and runs them against every panel, a panel staying
  // in L1 across the thread's row blocks.
  at::parallel_for(0, blocks, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t rb = r0; rb < r1; ++rb) {
      float* dst = pack + rb * kMr * k;
      const int64_t rows = std::min(kMr, m - rb * kMr);
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* s = a + rb * kMr * lda + kk * stride_ak;
        for (int64_t i = 0; i < rows; ++i) dst[kk * kMr + i] = s[i * lda];
        for (int64_t i = rows; i < kMr; ++i) dst[kk * kMr + i] = 0;
      }
    }
    for (int64_t p = 0; p < n_panels; ++p)
      for (int64_t rb = r0; rb < r1; ++rb)
        micro_kernel(pack + rb * kMr * k, panels + p * k * kNr, k, c + rb * kMr * ldc + p * kNr, ldc,
                     std::min(kMr, m - rb * kMr));
  });
}

}  // namespace torchlab::text
