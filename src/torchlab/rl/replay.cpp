#include "torchlab/rl/replay.h"

#include <torch/torch.h>

#include <algorithm>

#include "torchlab/core/error.h"

namespace torchlab::rl {

ReplayBuffer::ReplayBuffer(int64_t capacity, int obs_size) : capacity_(capacity), obs_size_(obs_size) {
  if (capacity <= 0) throw UserError("the replay capacity must be positive (got " + std::to_string(capacity) + ")");
  obs_.resize(static_cast<size_t>(capacity) * obs_size);
  next_obs_.resize(static_cast<size_t>(capacity) * obs_size);
  rewards_.resize(capacity);
  actions_.resize(capacity);
  terminal_.resize(capacity);
  next_legal_.resize(capacity);
}

void ReplayBuffer::push(const float* obs, int action, float reward, const float* next_obs, bool terminal,
                        uint32_t next_legal) {
  const size_t at = static_cast<size_t>(next_) * obs_size_;
  std::copy(obs, obs + obs_size_, obs_.begin() + at);
  std::copy(next_obs, next_obs + obs_size_, next_obs_.begin() + at);
  actions_[next_] = action;
  rewards_[next_] = reward;
  terminal_[next_] = terminal;
  next_legal_[next_] = next_legal;
  next_ = (next_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
}

void ReplayBuffer::copy_into(int64_t slot, int row, TransitionBatch& out) const {
  const size_t from = static_cast<size_t>(slot) * obs_size_, to = static_cast<size_t>(row) * obs_size_;
  std::copy(obs_.begin() + from, obs_.begin() + from + obs_size_, out.obs.begin() + to);
  std::copy(next_obs_.begin() + from, next_obs_.begin() + from + obs_size_, out.next_obs.begin() + to);
  out.actions[row] = actions_[slot];
  out.rewards[row] = rewards_[slot];
  out.terminal[row] = terminal_[slot];
  out.next_legal[row] = next_legal_[slot];
}

static void shape(TransitionBatch& out, int n, int obs_size) {
  out.size = n;
  out.obs.resize(static_cast<size_t>(n) * obs_size);
  out.next_obs.resize(static_cast<size_t>(n) * obs_size);
  out.actions.resize(n);
  out.rewards.resize(n);
  out.terminal.resize(n);
  out.next_legal.resize(n);
}

void ReplayBuffer::sample(int n, std::mt19937_64& rng, TransitionBatch& out) const {
  if (size_ == 0) throw std::logic_error("ReplayBuffer::sample on an empty buffer");
  shape(out, n, obs_size_);
  std::uniform_int_distribution<int64_t> pick(0, size_ - 1);
  for (int r = 0; r < n; ++r) copy_into(pick(rng), r, out);
}

void ReplayBuffer::get(int64_t i, TransitionBatch& out) const {
  if (i < 0 || i >= size_) throw std::out_of_range("ReplayBuffer::get index out of range");
  const int64_t oldest = size_ < capacity_ ? 0 : next_;
  shape(out, 1, obs_size_);
  copy_into((oldest + i) % capacity_, 0, out);
}

void ReplayBuffer::save(Checkpoint& ckpt, const std::string& prefix) const {
  const int64_t n = size_;
  auto obs = torch::empty({n, obs_size_});
  auto next = torch::empty({n, obs_size_});
  auto actions = torch::empty({n}, torch::kInt32);
  auto rewards = torch::empty({n});
  auto terminal = torch::empty({n}, torch::kUInt8);
  auto legal = torch::empty({n}, torch::kInt64);
  TransitionBatch one;
  for (int64_t i = 0; i < n; ++i) {
    get(i, one);
    std::copy(one.obs.begin(), one.obs.end(), obs.data_ptr<float>() + i * obs_size_);
    std::copy(one.next_obs.begin(), one.next_obs.end(), next.data_ptr<float>() + i * obs_size_);
    actions.data_ptr<int32_t>()[i] = one.actions[0];
    rewards.data_ptr<float>()[i] = one.rewards[0];
    terminal.data_ptr<uint8_t>()[i] = one.terminal[0];
    legal.data_ptr<int64_t>()[i] = one.next_legal[0];
  }
  ckpt.tensors[prefix + ".obs"] = obs;
  ckpt.tensors[prefix + ".next_obs"] = next;
  ckpt.tensors[prefix + ".actions"] = actions;
  ckpt.tensors[prefix + ".rewards"] = rewards;
  ckpt.tensors[prefix + ".terminal"] = terminal;
  ckpt.tensors[prefix + ".next_legal"] = legal;
}

void ReplayBuffer::load(const Checkpoint& ckpt, const std::string& prefix) {
  const auto& obs = require_tensor(ckpt, prefix + ".obs");
  const auto& next = require_tensor(ckpt, prefix + ".next_obs");
  const auto& actions = require_tensor(ckpt, prefix + ".actions");
  const auto& rewards = require_tensor(ckpt, prefix + ".rewards");
  const auto& terminal = require_tensor(ckpt, prefix + ".terminal");
  const auto& legal = require_tensor(ckpt, prefix + ".next_legal");
  const int64_t n = obs.size(0);
  if (obs.dim() != 2 || obs.size(1) != obs_size_ || next.sizes() != obs.sizes() || actions.size(0) != n ||
      rewards.size(0) != n || terminal.size(0) != n || legal.size(0) != n)
    throw UserError("the replay buffer in the checkpoint does not fit observations of " + std::to_string(obs_size_) +
                    " features");
  clear();
  // Keep the newest `capacity` transitions when the capacity shrank.
  for (int64_t i = std::max<int64_t>(0, n - capacity_); i < n; ++i)
    push(obs.data_ptr<float>() + i * obs_size_, actions.data_ptr<int32_t>()[i], rewards.data_ptr<float>()[i],
         next.data_ptr<float>() + i * obs_size_, terminal.data_ptr<uint8_t>()[i] != 0,
         static_cast<uint32_t>(legal.data_ptr<int64_t>()[i]));
}

}  // namespace torchlab::rl
