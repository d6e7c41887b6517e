#pragma once
// y = W x for the recurrent nets' single steps: a row-major matrix times one or a few vectors, one thread. At batch 1
// the work is one multiply-add per weight, so speed is streaming W once: PackedRows stores W in panels of four rows,
// one contiguous stream, and each panel stays in L1 while it meets every vector of the batch.
//
// The summation order is part of the spec, so every build (AVX2, SSE2, wasm SIMD128, scalar) gives the same bits and
// a batch row equals the same vector run alone: dot(w, x) over k < K keeps 16 partial sums p[m] = sum of w[k] * x[k]
// for k = m (mod 16) in increasing k (each product rounded, then added: no FMA), then p[m] += p[m + 8] for m < 8,
// u[m] = p[m] + p[m + 4] for m < 4, v[m] = u[m] + u[m + 2] for m < 2, and dot = v[0] + v[1].
#include <cstdint>
#include <vector>

namespace torchlab::kernels {

// The spec above as a plain loop.
float dot_reference(const float* w, const float* x, int64_t k);

class PackedRows {
 public:
  PackedRows() = default;
  PackedRows(const float* w, int64_t rows, int64_t cols);  // w: row-major rows x cols, copied

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  // y[b * ldy + r] = dot(W[r], x + b * ldx) for r < rows, b < batch.
  void matvec(const float* x, int64_t ldx, int64_t batch, float* y, int64_t ldy) const;

 private:
  int64_t rows_ = 0, cols_ = 0;
  std::vector<float> panels_;  // [ceil(rows / 4)][ceil(cols / 16)][4 rows][16], zero-padded
};

}  // namespace torchlab::kernels
