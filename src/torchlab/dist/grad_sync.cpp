#include "torchlab/dist/grad_sync.h"

#include <torch/torch.h>

#include <map>

#include "torchlab/dist/context.h"

namespace torchlab::dist {

GradientSync::GradientSync(Context& context, std::vector<at::Tensor> params, int64_t bucket_bytes) : context_(context) {
  // Parameters keep their order inside each (device, dtype) group, so every rank builds the same buckets.
  std::map<std::pair<std::string, int>, std::vector<at::Tensor>> groups;
  std::vector<std::pair<std::string, int>> order;
  for (auto& p : params) {
    if (!p.requires_grad()) continue;
    const auto key = std::make_pair(p.device().str(), static_cast<int>(p.scalar_type()));
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(p);
  }
  for (const auto& key : order) {
    const auto& list = groups[key];
    std::vector<Slot> slots;
    int64_t size = 0;
    auto close = [&] {
      if (slots.empty()) return;
      buckets_.push_back({torch::empty({size}, list.front().options().requires_grad(false)), std::move(slots)});
      slots.clear();
      size = 0;
    };
    for (const auto& p : list) {
      if (size > 0 && (size + p.numel()) * p.element_size() > bucket_bytes) close();
      slots.push_back({p, size, p.numel()});
      size += p.numel();
    }
    close();
  }
  // The flag's element: one more at the end of the first bucket (or a bucket of its own without parameters).
  if (buckets_.empty())
    buckets_.push_back({torch::zeros({1}), {}});
  else
    buckets_[0].flat = torch::empty({buckets_[0].flat.numel() + 1}, buckets_[0].flat.options());
}

int64_t GradientSync::bytes_per_step() const {
  int64_t total = 0;
  for (const auto& b : buckets_) total += b.flat.numel() * b.flat.element_size();
  return total;
}

int GradientSync::sync(const std::string& what, int flag) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> flats;
  for (auto& b : buckets_) {
    for (const auto& s : b.slots) {
      auto dst = b.flat.narrow(0, s.offset, s.numel);
      const auto& g = s.param.grad();
      if (g.defined())
        dst.copy_(g.reshape({-1}));
      else
        dst.zero_();
    }
    flats.push_back(b.flat);
  }
  auto& first = buckets_[0].flat;
  first[first.numel() - 1].fill_(flag);
  context_.allreduce_sum(flats, what);
  const int raised = static_cast<int>(std::lround(first[first.numel() - 1].item<double>()));
  const double world = context_.world_size();
  for (auto& b : buckets_) {
    for (auto& s : b.slots) {
      auto src = b.flat.narrow(0, s.offset, s.numel).view(s.param.sizes());
      auto& g = s.param.mutable_grad();
      if (g.defined())
        g.copy_(src).div_(world);
      else
        g = src.div(world);
    }
  }
  return raised;
}

}  // namespace torchlab::dist
