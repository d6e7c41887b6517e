#pragma once
// Uniform experience replay: a ring of fixed capacity; the newest transition overwrites the oldest.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "torchlab/core/checkpoint.h"

namespace torchlab::rl {

struct TransitionBatch {
  int size = 0;
  std::vector<float> obs;            // [size x obs_size], seen from the player who acted
  std::vector<int> actions;          // [size]
  std::vector<float> rewards;        // [size], to the player who acted
  std::vector<float> next_obs;       // [size x obs_size], seen from the player to move next
  std::vector<uint8_t> terminal;     // [size] 1 = no bootstrapping
  std::vector<uint32_t> next_legal;  // [size] legal actions in next_obs
};

class ReplayBuffer {
 public:
  ReplayBuffer(int64_t capacity, int obs_size);
  void push(const float* obs, int action, float reward, const float* next_obs, bool terminal, uint32_t next_legal);
  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }
  int obs_size() const { return obs_size_; }
  // `n` transitions drawn uniformly with replacement (size() must be > 0); reuses `out`'s storage.
  void sample(int n, std::mt19937_64& rng, TransitionBatch& out) const;
  // The i-th oldest stored transition as a batch of one (tests, inspection).
  void get(int64_t i, TransitionBatch& out) const;
  // The stored transitions as "<prefix>.*" tensors (oldest first), so a resumed run continues exactly.
  void save(Checkpoint& ckpt, const std::string& prefix) const;
  // Restores what save() wrote; a different observation size is a UserError.
  void load(const Checkpoint& ckpt, const std::string& prefix);
  void clear() {
    size_ = 0;
    next_ = 0;
  }

 private:
  void copy_into(int64_t slot, int row, TransitionBatch& out) const;
  int64_t capacity_;
  int obs_size_;
  int64_t size_ = 0, next_ = 0;
  std::vector<float> obs_, next_obs_, rewards_;
  std::vector<int> actions_;
  std::vector<uint8_t> terminal_;
  std::vector<uint32_t> next_legal_;
};

}  // namespace torchlab::rl
