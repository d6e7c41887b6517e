#pragma once
#include <cstdint>
#include <functional>

namespace torchlab::finance {

// Runs fn(begin, end) over [0, n) in chunks of `chunk` rows on as many threads as libtorch's intra-op setting
// (--threads), handing out chunks one at a time. Each thread runs libtorch ops on its chunk single-threaded, so
// a chunk's whole graph stays in that core's cache and no op pays a fork/join. Exceptions reach the caller.
void for_each_chunk(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace torchlab::finance
