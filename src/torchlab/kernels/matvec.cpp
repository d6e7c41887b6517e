#include "torchlab/kernels/matvec.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // 32-byte vectors only live inside inlined AVX2 code
#endif

#include "torchlab/kernels/vec_math.h"

namespace torchlab::kernels {
namespace {

constexpr int64_t kRows = 4;    // rows per panel
constexpr int64_t kBlock = 16;  // columns per block: the 16 partial sums

typedef float v8 __attribute__((vector_size(32)));

TORCHLAB_INLINE v8 load8(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The spec's tail of the reduction, from the 16 partial sums held as lo (m < 8) and hi (m >= 8).
TORCHLAB_INLINE float reduce16(v8 lo, v8 hi) {
  const v8 p = lo + hi;
  const float u0 = p[0] + p[4], u1 = p[1] + p[5], u2 = p[2] + p[6], u3 = p[3] + p[7];
  return (u0 + u2) + (u1 + u3);
}

// Four rows' 16 partial sums each: acc[2 r] holds p[0..8) of row r, acc[2 r + 1] p[8..16).
struct Acc {
  v8 acc[2 * kRows];
};

TORCHLAB_INLINE void block(Acc& a, const float* __restrict xb, const float* __restrict wb) {
  const v8 x0 = load8(xb), x1 = load8(xb + 8);
  for (int r = 0; r < kRows; ++r) {
    a.acc[2 * r] += load8(wb + r * kBlock) * x0;
    a.acc[2 * r + 1] += load8(wb + r * kBlock + 8) * x1;
  }
}

// One panel's four rows against one vector. The last, partial block reads x through a zero-padded copy.
TORCHLAB_INLINE void panel_dot(const float* __restrict w, const float* __restrict x, int64_t cols, float* out) {
  Acc a = {};
  const int64_t full = cols / kBlock;
  for (int64_t k = 0; k < full; ++k) block(a, x + k * kBlock, w + k * kRows * kBlock);
  if (const int64_t rest = cols - full * kBlock) {
    float xt[kBlock] = {};
    for (int64_t j = 0; j < rest; ++j) xt[j] = x[full * kBlock + j];
    block(a, xt, w + full * kRows * kBlock);
  }
  for (int r = 0; r < kRows; ++r) out[r] = reduce16(a.acc[2 * r], a.acc[2 * r + 1]);
}

TORCHLAB_INLINE void matvec_panels(const float* panels, int64_t rows, int64_t cols, const float* x, int64_t ldx,
                                   int64_t batch, float* y, int64_t ldy) {
  const int64_t blocks = (cols + kBlock - 1) / kBlock;
  for (int64_t r0 = 0; r0 < rows; r0 += kRows) {
    const float* w = panels + (r0 / kRows) * blocks * kRows * kBlock;
    for (int64_t b = 0; b < batch; ++b) {
      float out[kRows];
      panel_dot(w, x + b * ldx, cols, out);
      for (int64_t r = 0; r < kRows && r0 + r < rows; ++r) y[b * ldy + r0 + r] = out[r];
    }
  }
}

TORCHLAB_AVX2 void matvec_avx2(const float* panels, int64_t rows, int64_t cols, const float* x, int64_t ldx,
                               int64_t batch, float* y, int64_t ldy) {
  matvec_panels(panels, rows, cols, x, ldx, batch, y, ldy);
}

void matvec_plain(const float* panels, int64_t rows, int64_t cols, const float* x, int64_t ldx, int64_t batch, float* y,
                  int64_t ldy) {
  matvec_panels(panels, rows, cols, x, ldx, batch, y, ldy);
}

}  // namespace

float dot_reference(const float* w, const float* x, int64_t k) {
  float p[16] = {};
  for (int64_t i = 0; i < k; ++i) p[i % 16] += w[i] * x[i];
  for (int m = 0; m < 8; ++m) p[m] += p[m + 8];
  const float u0 = p[0] + p[4], u1 = p[1] + p[5], u2 = p[2] + p[6], u3 = p[3] + p[7];
  return (u0 + u2) + (u1 + u3);
}

PackedRows::PackedRows(const float* w, int64_t rows, int64_t cols) : rows_(rows), cols_(cols) {
  const int64_t panels = (rows + kRows - 1) / kRows, blocks = (cols + kBlock - 1) / kBlock;
  panels_.assign(panels * blocks * kRows * kBlock, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      panels_[((r / kRows * blocks + c / kBlock) * kRows + r % kRows) * kBlock + c % kBlock] = w[r * cols + c];
}

void PackedRows::matvec(const float* x, int64_t ldx, int64_t batch, float* y, int64_t ldy) const {
  if (cpu_has_avx2()) return matvec_avx2(panels_.data(), rows_, cols_, x, ldx, batch, y, ldy);
  matvec_plain(panels_.data(), rows_, cols_, x, ldx, batch, y, ldy);
}

}  // namespace torchlab::kernels
