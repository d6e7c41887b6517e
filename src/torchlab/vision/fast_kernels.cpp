#include "torchlab/vision/fast_kernels.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <atomic>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TORCHLAB_X86 1
#define AVX2 __attribute__((target("avx2")))
#define AVX2_FMA __attribute__((target("avx2,fma")))
#endif

namespace torchlab::vision::kernels {
namespace {

std::atomic<bool> g_portable{false};

// The window cells of output pixel (r = b * Ho + oh, ow), channel block start c: rows 2oh, 2oh+1, columns 2ow, 2ow+1.
struct Window {
  int64_t cell[4];  // offsets of the four cells' channel vectors in the input
  int64_t out;      // offset in the output
};

inline Window window(int64_t r, int64_t ow, int64_t Ho, int64_t Wo, int64_t C, int64_t H, int64_t W) {
  const int64_t b = r / Ho, oh = r % Ho;
  const int64_t row0 = (b * H + 2 * oh) * W * C, row1 = row0 + W * C;
  return {{row0 + 2 * ow * C, row0 + (2 * ow + 1) * C, row1 + 2 * ow * C, row1 + (2 * ow + 1) * C}, (r * Wo + ow) * C};
}

// Portable loops over channels [c0, C): the reference behaviour, and the tail of the vector loops.
void pool_channels(const float* in, float* out, uint8_t* arg, const Window& w, int64_t c0, int64_t C) {
  for (int64_t c = c0; c < C; ++c) {
    float m = in[w.cell[0] + c];
    int k = 0;
    for (int j = 1; j < 4; ++j) {
      const float v = in[w.cell[j] + c];
      if (v > m || v != v) m = v, k = j;  // strictly greater keeps the first maximum; NaN wins (as libtorch)
    }
    out[w.out + c] = m;
    if (arg) arg[w.out + c] = static_cast<uint8_t>(k);
  }
}

void unpool_channels(const float* go, const uint8_t* arg, float* gi, const Window& w, int64_t c0, int64_t C) {
  for (int64_t c = c0; c < C; ++c)
    for (int j = 0; j < 4; ++j) gi[w.cell[j] + c] = arg[w.out + c] == j ? go[w.out + c] : 0.f;
}

inline uint32_t mix32(uint32_t x) {  // a full-avalanche 32-bit integer hash
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

#ifdef TORCHLAB_X86
// Eight int32 lanes (values < 256) -> eight bytes in the low half.
AVX2 inline __m128i pack_bytes(__m256i v) {
  const __m256i gather = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1,
                                          -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i t = _mm256_shuffle_epi8(v, gather);
  return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(t, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1)));
}

AVX2 inline __m256i load_bytes(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

AVX2 void pool_rows_avx2(const float* in, float* out, uint8_t* arg, int64_t r0, int64_t r1, int64_t C, int64_t H,
                         int64_t W) {
  const int64_t Ho = H / 2, Wo = W / 2, C8 = C / 8 * 8;
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t ow = 0; ow < Wo; ++ow) {
      const Window w = window(r, ow, Ho, Wo, C, H, W);
      for (int64_t c = 0; c < C8; c += 8) {
        __m256 m = _mm256_loadu_ps(in + w.cell[0] + c);
        __m256i k = _mm256_setzero_si256();
        for (int j = 1; j < 4; ++j) {
          const __m256 v = _mm256_loadu_ps(in + w.cell[j] + c);
          const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
          m = _mm256_blendv_ps(m, v, take);
          k = _mm256_castps_si256(
              _mm256_blendv_ps(_mm256_castsi256_ps(k), _mm256_castsi256_ps(_mm256_set1_epi32(j)), take));
        }
        _mm256_storeu_ps(out + w.out + c, m);
        if (arg) _mm_storel_epi64(reinterpret_cast<__m128i*>(arg + w.out + c), pack_bytes(k));
      }
      pool_channels(in, out, arg, w, C8, C);
    }
}

AVX2 void unpool_rows_avx2(const float* go, const uint8_t* arg, float* gi, int64_t r0, int64_t r1, int64_t C, int64_t H,
                           int64_t W) {
  const int64_t Ho = H / 2, Wo = W / 2, C8 = C / 8 * 8;
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t ow = 0; ow < Wo; ++ow) {
      const Window w = window(r, ow, Ho, Wo, C, H, W);
      for (int64_t c = 0; c < C8; c += 8) {
        const __m256 g = _mm256_loadu_ps(go + w.out + c);
        const __m256i k = load_bytes(arg + w.out + c);
        for (int j = 0; j < 4; ++j) {
          const __m256 hit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(k, _mm256_set1_epi32(j)));
          _mm256_storeu_ps(gi + w.cell[j] + c, _mm256_and_ps(g, hit));
        }
      }
      unpool_channels(go, arg, gi, w, C8, C);
    }
}

AVX2 inline __m256i mix32_avx2(__m256i x) {
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32(0x7feb352d));
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32(static_cast<int>(0x846ca68bU)));
  return _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
}

AVX2 int64_t relu_dropout_forward_avx2(const float* x, float* out, uint8_t* pass, int64_t begin, int64_t end,
                                       uint64_t seed, uint32_t threshold, float scale) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i s0 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(seed)));
  const __m256i s1 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(seed >> 32)));
  const __m256i thr = _mm256_set1_epi32(static_cast<int>(threshold));
  const __m256i one = _mm256_set1_epi32(1);
  const __m256 vscale = _mm256_set1_ps(scale), zero = _mm256_setzero_ps();
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256i idx = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(i))), lanes);
    const __m256i u = mix32_avx2(_mm256_xor_si256(mix32_avx2(_mm256_add_epi32(idx, s0)), s1));
    const __m256i kept = _mm256_cmpeq_epi32(_mm256_max_epu32(u, thr), u);  // u >= threshold, unsigned
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256i ok = _mm256_and_si256(kept, _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
    _mm256_storeu_ps(out + i, _mm256_and_ps(_mm256_mul_ps(v, vscale), _mm256_castsi256_ps(ok)));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(pass + i), pack_bytes(_mm256_and_si256(ok, one)));
  }
  return i;
}

AVX2 int64_t relu_dropout_backward_avx2(const float* go, const uint8_t* pass, float* gi, int64_t begin, int64_t end,
                                        float scale) {
  const __m256 vscale = _mm256_set1_ps(scale);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256i p = load_bytes(pass + i);
    const __m256 ok = _mm256_castsi256_ps(_mm256_cmpgt_epi32(p, _mm256_setzero_si256()));
    _mm256_storeu_ps(gi + i, _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(go + i), vscale), ok));
  }
  return i;
}

// Forward: for each run of output pixels on one row and each 16-channel block, accumulate 25 taps with FMAs;
// four pixels at a time share each weight load.
AVX2_FMA void conv1ch5_rows(const float* x, const float* wt, const float* bias, float* y, int64_t r0, int64_t r1,
                            int64_t H, int64_t W, int64_t OC) {
  const int64_t Ho = H - 4, Wo = W - 4;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / Ho, oh = r % Ho;
    const float* xr = x + (b * H + oh) * W;  // top-left of the window row
    float* yr = y + r * Wo * OC;
    for (int64_t oc = 0; oc < OC; oc += 16) {
      const __m256 bias0 = _mm256_loadu_ps(bias + oc), bias1 = _mm256_loadu_ps(bias + oc + 8);
      int64_t ow = 0;
      for (; ow + 4 <= Wo; ow += 4) {
        __m256 a[4][2];
        for (int p = 0; p < 4; ++p) a[p][0] = bias0, a[p][1] = bias1;
        for (int kh = 0; kh < 5; ++kh)
          for (int kw = 0; kw < 5; ++kw) {
            const float* w = wt + (kh * 5 + kw) * OC + oc;
            const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
            const float* xp = xr + kh * W + ow + kw;
            for (int p = 0; p < 4; ++p) {
              const __m256 xv = _mm256_broadcast_ss(xp + p);
              a[p][0] = _mm256_fmadd_ps(xv, w0, a[p][0]);
              a[p][1] = _mm256_fmadd_ps(xv, w1, a[p][1]);
            }
          }
        for (int p = 0; p < 4; ++p) {
          _mm256_storeu_ps(yr + (ow + p) * OC + oc, a[p][0]);
          _mm256_storeu_ps(yr + (ow + p) * OC + oc + 8, a[p][1]);
        }
      }
      for (; ow < Wo; ++ow) {
        __m256 a0 = bias0, a1 = bias1;
        for (int kh = 0; kh < 5; ++kh)
          for (int kw = 0; kw < 5; ++kw) {
            const float* w = wt + (kh * 5 + kw) * OC + oc;
            const __m256 xv = _mm256_broadcast_ss(xr + kh * W + ow + kw);
            a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w + 8), a1);
          }
        _mm256_storeu_ps(yr + ow * OC + oc, a0);
        _mm256_storeu_ps(yr + ow * OC + oc + 8, a1);
      }
    }
  }
}

// Backward: per output row, per kernel row kh and 16-channel block, five tap accumulators (kw = 0..4) run along the
// row's pixels, then land in the chunk's partial sums (gwt then gbias).
AVX2_FMA void conv1ch5_backward_rows(const float* x, const float* gy, float* acc, int64_t r0, int64_t r1, int64_t H,
                                     int64_t W, int64_t OC) {
  const int64_t Ho = H - 4, Wo = W - 4;
  float* gbias = acc + 25 * OC;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / Ho, oh = r % Ho;
    const float* g = gy + r * Wo * OC;
    for (int64_t oc = 0; oc < OC; oc += 16) {
      __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
      for (int64_t ow = 0; ow < Wo; ++ow) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(g + ow * OC + oc));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(g + ow * OC + oc + 8));
      }
      _mm256_storeu_ps(gbias + oc, _mm256_add_ps(_mm256_loadu_ps(gbias + oc), s0));
      _mm256_storeu_ps(gbias + oc + 8, _mm256_add_ps(_mm256_loadu_ps(gbias + oc + 8), s1));
      for (int kh = 0; kh < 5; ++kh) {
        const float* xr = x + (b * H + oh + kh) * W;
        __m256 a[5][2];
        for (int kw = 0; kw < 5; ++kw) a[kw][0] = a[kw][1] = _mm256_setzero_ps();
        for (int64_t ow = 0; ow < Wo; ++ow) {
          const __m256 g0 = _mm256_loadu_ps(g + ow * OC + oc), g1 = _mm256_loadu_ps(g + ow * OC + oc + 8);
          for (int kw = 0; kw < 5; ++kw) {
            const __m256 xv = _mm256_broadcast_ss(xr + ow + kw);
            a[kw][0] = _mm256_fmadd_ps(xv, g0, a[kw][0]);
            a[kw][1] = _mm256_fmadd_ps(xv, g1, a[kw][1]);
          }
        }
        for (int kw = 0; kw < 5; ++kw) {
          float* w = acc + (kh * 5 + kw) * OC + oc;
          _mm256_storeu_ps(w, _mm256_add_ps(_mm256_loadu_ps(w), a[kw][0]));
          _mm256_storeu_ps(w + 8, _mm256_add_ps(_mm256_loadu_ps(w + 8), a[kw][1]));
        }
      }
    }
  }
}
#endif

bool use_avx2() { return !g_portable && have_avx2(); }

}  // namespace

bool have_avx2() {
#ifdef TORCHLAB_X86
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#else
  return false;
#endif
}

bool have_avx2_fma() {
#ifdef TORCHLAB_X86
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

void force_portable(bool on) { g_portable = on; }

void conv1ch5_forward(const float* x, const float* wt, const float* bias, float* y, int64_t B, int64_t H, int64_t W,
                      int64_t OC) {
#ifdef TORCHLAB_X86
  TORCH_CHECK(have_avx2_fma() && OC % 16 == 0 && H >= 5 && W >= 5, "conv1ch5: unsupported shape or CPU");
  at::parallel_for(0, B * (H - 4), 4, [&](int64_t r0, int64_t r1) { conv1ch5_rows(x, wt, bias, y, r0, r1, H, W, OC); });
#else
  TORCH_CHECK(false, "conv1ch5 needs an x86-64 CPU with AVX2 and FMA");
#endif
}

void conv1ch5_backward(const float* x, const float* grad_y, float* gwt, float* gbias, int64_t B, int64_t H, int64_t W,
                       int64_t OC) {
#ifdef TORCHLAB_X86
  TORCH_CHECK(have_avx2_fma() && OC % 16 == 0 && H >= 5 && W >= 5, "conv1ch5: unsupported shape or CPU");
  // Fixed chunks (one per thread), each with its own partial sums, added in chunk order: deterministic.
  const int64_t rows = B * (H - 4);
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), rows));
  const int64_t per = (rows + chunks - 1) / chunks;
  const int64_t width = 26 * OC;  // 25 taps, then the bias
  std::vector<float> partial(static_cast<size_t>(chunks * width), 0.f);
  at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c)
      conv1ch5_backward_rows(x, grad_y, partial.data() + c * width, c * per, std::min(rows, (c + 1) * per), H, W, OC);
  });
  for (int64_t i = 0; i < 25 * OC; ++i) {
    float sum = 0;
    for (int64_t c = 0; c < chunks; ++c) sum += partial[c * width + i];
    gwt[i] = sum;
  }
  for (int64_t i = 0; i < OC; ++i) {
    float sum = 0;
    for (int64_t c = 0; c < chunks; ++c) sum += partial[c * width + 25 * OC + i];
    gbias[i] = sum;
  }
#else
  TORCH_CHECK(false, "conv1ch5 needs an x86-64 CPU with AVX2 and FMA");
#endif
}

void max_pool2x2_forward(const float* in, float* out, uint8_t* arg, int64_t B, int64_t C, int64_t H, int64_t W) {
  const int64_t Ho = H / 2, Wo = W / 2;
  const bool avx2 = use_avx2();
  at::parallel_for(0, B * Ho, 16, [&](int64_t r0, int64_t r1) {
#ifdef TORCHLAB_X86
    if (avx2) return pool_rows_avx2(in, out, arg, r0, r1, C, H, W);
#endif
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t ow = 0; ow < Wo; ++ow) pool_channels(in, out, arg, window(r, ow, Ho, Wo, C, H, W), 0, C);
  });
}

void max_pool2x2_backward(const float* grad_out, const uint8_t* arg, float* grad_in, int64_t B, int64_t C, int64_t H,
                          int64_t W) {
  const int64_t Ho = H / 2, Wo = W / 2;
  const bool avx2 = use_avx2();
  at::parallel_for(0, B * Ho, 16, [&](int64_t r0, int64_t r1) {
#ifdef TORCHLAB_X86
    if (avx2) return unpool_rows_avx2(grad_out, arg, grad_in, r0, r1, C, H, W);
#endif
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t ow = 0; ow < Wo; ++ow) unpool_channels(grad_out, arg, grad_in, window(r, ow, Ho, Wo, C, H, W), 0, C);
  });
}

uint32_t dropout_uniform(uint64_t seed, uint64_t i) {
  // Counter-based, so any split of the work over threads or SIMD lanes draws the same numbers. Indices repeat after
  // 2^32 elements, far beyond any activation here.
  return mix32(mix32(static_cast<uint32_t>(i) + static_cast<uint32_t>(seed)) ^ static_cast<uint32_t>(seed >> 32));
}

void relu_dropout_forward(const float* x, float* out, uint8_t* pass, int64_t n, uint64_t seed, uint32_t threshold,
                          float scale) {
  const bool avx2 = use_avx2();
  at::parallel_for(0, n, 8192, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
#ifdef TORCHLAB_X86
    if (avx2) i = relu_dropout_forward_avx2(x, out, pass, begin, end, seed, threshold, scale);
#endif
    for (; i < end; ++i) {
      const bool ok = dropout_uniform(seed, i) >= threshold && x[i] > 0.f;
      pass[i] = ok;
      out[i] = ok ? x[i] * scale : 0.f;
    }
  });
}

void relu_dropout_backward(const float* grad_out, const uint8_t* pass, float* grad_in, int64_t n, float scale) {
  const bool avx2 = use_avx2();
  at::parallel_for(0, n, 8192, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
#ifdef TORCHLAB_X86
    if (avx2) i = relu_dropout_backward_avx2(grad_out, pass, grad_in, begin, end, scale);
#endif
    for (; i < end; ++i) grad_in[i] = pass[i] ? grad_out[i] * scale : 0.f;
  });
}

}  // namespace torchlab::vision::kernels
