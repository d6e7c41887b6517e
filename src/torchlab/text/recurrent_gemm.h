#pragma once
// C += A B for the fused LSTM's per-time-step recurrent products (h W_hh^T forward, dgates W_hh backward): the
// weight B is packed once per sequence into 32-column panels and every time step runs an 8 x 32 AVX-512 micro-kernel
// over it, the threads splitting the panels. libtorch's GEMM repacks the weight at each of the 2T calls, and the BLAS
// it is given may run narrower kernels than the CPU has (this machine's environment pins OpenBLAS to its AVX2 ones).
// The weight gradient sum_t dgates_t^T h_{t-1} runs on it too, K-blocked (dgates^T is A with a column stride).
// Float only, N a multiple of 32, CPUs with AVX-512F; `supported` says when, and callers keep libtorch's GEMM
// otherwise.
#include <cstdint>
#include <memory>

namespace torchlab::text {

class PackedWeight {
 public:
  static bool supported(int64_t n);

  PackedWeight() = default;
  // B[k][n] = src[k * stride_k + n * stride_n], K x N.
  PackedWeight(const float* src, int64_t k, int64_t n, int64_t stride_k, int64_t stride_n);
  // Packs another B into the same memory (grown when needed): the blocks of one long product.
  void repack(const float* src, int64_t k, int64_t n, int64_t stride_k, int64_t stride_n);

  // C[M x N] (row stride ldc) += A B, A[i][k] = a[i * lda + k * stride_ak] (M x K). Not reentrant: one caller at a
  // time (it packs A into the object's scratch).
  void gemm_acc(const float* a, int64_t lda, int64_t stride_ak, float* c, int64_t ldc, int64_t m);

 private:
  struct Free {
    void operator()(float* p) const;
  };
  static std::unique_ptr<float[], Free> aligned(int64_t floats);

  int64_t k_ = 0, n_ = 0;
  std::unique_ptr<float[], Free> panels_;  // [N / 32][K][32]
  int64_t panels_capacity_ = 0;
  std::unique_ptr<float[], Free> a_pack_;  // [ceil(M / 8)][K][8], grown on demand
  int64_t a_capacity_ = 0;
};

}  // namespace torchlab::text
