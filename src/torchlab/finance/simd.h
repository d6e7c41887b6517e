#pragma once
// Marks a loop function for an extra AVX2+FMA build (x86-64-v3) that GCC picks at load time on CPUs that have it;
// the plain build stays for the others. Lets fused loops vectorize 4-wide without project-wide -march flags.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TORCHLAB_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TORCHLAB_SIMD_CLONES
#endif
