#pragma once
#include <cstdint>

namespace torchlab::finance {

// out[i] = erfc(z[i]) / 2 for n contiguous doubles (out may be z): the standard normal CDF N(x) at z = -x/sqrt(2).
// Vectorized: erfc(y) = t exp(-y^2 + P(t)) for y = |z| >= 0, t = 2/(2+y), P a 30-term Chebyshev series fitted
// here (relative error ~1e-15 where N(x) > 1e-300), the exp taken by libtorch's vectorized kernel, and
// erfc(-y) = 2 - erfc(y). Several times faster than glibc's scalar erfc or libtorch's erfc op.
void half_erfc(const double* z, double* out, int64_t n);

}  // namespace torchlab::finance
