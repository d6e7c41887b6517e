#include "torchlab/dist/sharded_source.h"

#include <stdexcept>

#include "torchlab/core/error.h"

namespace torchlab::dist {

ShardedSource::ShardedSource(train::BatchSource& inner, int rank, int world_size)
    : inner_(inner), rank_(rank), world_size_(world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw std::invalid_argument("ShardedSource: rank " + std::to_string(rank) + " of " + std::to_string(world_size));
  const int64_t n = inner.batches_per_epoch();
  if (n > 0 && n < world_size)
    throw UserError("the training data gives " + std::to_string(n) + " batch" + (n == 1 ? "" : "es") +
                    " per epoch, fewer than the " + std::to_string(world_size) +
                    " processes; use smaller batches or fewer processes");
}

}  // namespace torchlab::dist
