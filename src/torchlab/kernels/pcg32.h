#pragma once
// PCG32 (O'Neill's PCG-XSH-RR 64/32, pcg-random.org's reference `pcg32_random_r`): a 64-bit LCG state and a 32-bit
// output by xorshift-high then random rotation. It is the one specified PRNG that native and browser sampling share;
// with the reference seeding pcg32_srandom_r(42, 54) the first outputs are the pcg32-demo's 0xa15c02b7 0x7b47f409 ...
// Uniform numbers are defined bit for bit here so that any port (C++, wasm, JS with BigInt) draws the same values.
#include <cstdint>

namespace torchlab::kernels {

struct Pcg32 {
  uint64_t state = 0;
  uint64_t inc = 1;  // the stream: always odd
};

inline uint32_t pcg32_next(Pcg32& rng) {
  const uint64_t old = rng.state;
  rng.state = old * 6364136223846793005ULL + rng.inc;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

// pcg32_srandom_r: `initseq` picks one of 2^63 streams, `initstate` the starting point in it.
inline Pcg32 pcg32_seed(uint64_t initstate, uint64_t initseq) {
  Pcg32 rng;
  rng.state = 0;
  rng.inc = (initseq << 1u) | 1u;
  pcg32_next(rng);
  rng.state += initstate;
  pcg32_next(rng);
  return rng;
}

// In [0, 1): the top 24 bits of one output times 2^-24 (every float of that grid, exactly).
inline float pcg32_float(Pcg32& rng) { return static_cast<float>(pcg32_next(rng) >> 8) * (1.0f / 16777216.0f); }

// In [0, 1): two outputs a then b, (a >> 5) * 2^26 + (b >> 6) = 53 random bits, times 2^-53 (genrand_res53's rule).
inline double pcg32_double(Pcg32& rng) {
  const uint32_t a = pcg32_next(rng) >> 5, b = pcg32_next(rng) >> 6;
  return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) * (1.0 / 9007199254740992.0);
}

}  // namespace torchlab::kernels
