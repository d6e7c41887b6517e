#pragma once
// Raw loops behind fast_ops: channels-last 2x2 max-pool and fused ReLU + dropout, each with an AVX2 path picked at
// run time and a portable path that gives bit-identical results.
#include <cstdint>

namespace torchlab::vision::kernels {

// in: [B, H, W, C] floats (H, W even); out: [B, H/2, W/2, C]; arg (may be null): the winning window cell 0..3
// (row-major), first maximum on ties, NaN wins.
void max_pool2x2_forward(const float* in, float* out, uint8_t* arg, int64_t B, int64_t C, int64_t H, int64_t W);
// Writes every element of grad_in ([B, H, W, C]): grad_out at the winning cell, 0 elsewhere.
void max_pool2x2_backward(const float* grad_out, const uint8_t* arg, float* grad_in, int64_t B, int64_t C, int64_t H,
                          int64_t W);

// The dropout draw of element i: a 32-bit uniform from a counter-based hash of (seed, i).
uint32_t dropout_uniform(uint64_t seed, uint64_t i);
// out = x > 0 && kept ? x * scale : 0, pass = that condition (0/1); element i is kept when its uniform >= threshold
// (threshold = p * 2^32, at most 2^32 - 1; callers handle p = 1).
void relu_dropout_forward(const float* x, float* out, uint8_t* pass, int64_t n, uint64_t seed, uint32_t threshold,
                          float scale);
void relu_dropout_backward(const float* grad_out, const uint8_t* pass, float* grad_in, int64_t n, float scale);

// A 5x5 convolution of a one-channel image (stride 1, no padding), the conv net's first layer, where oneDNN runs at
// a fraction of its usual speed. x: [B, H, W]; wt: the weight tap-major [25, OC]; bias [OC]; y: [B, H-4, W-4, OC]
// (channels-last). Needs AVX2 and FMA (have_avx2_fma()) and OC % 16 == 0.
void conv1ch5_forward(const float* x, const float* wt, const float* bias, float* y, int64_t B, int64_t H, int64_t W,
                      int64_t OC);
// The weight and bias gradients from x and grad_y (same layouts as above): gwt [25, OC], gbias [OC]. Summed in a
// fixed order for a given thread count, so runs repeat bit for bit.
void conv1ch5_backward(const float* x, const float* grad_y, float* gwt, float* gbias, int64_t B, int64_t H, int64_t W,
                       int64_t OC);

bool have_avx2();
bool have_avx2_fma();
void force_portable(bool on);  // tests: run the portable loops even where AVX2 exists

}  // namespace torchlab::vision::kernels
