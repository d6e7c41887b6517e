#include "torchlab/train/cuda_graph_step.h"

#include <optional>

#include "torchlab/core/compat.h"

#if defined(TORCHLAB_WITH_CUDA) && TORCHLAB_TORCH_2
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#define TORCHLAB_CUDA_GRAPHS 1
#else
#define TORCHLAB_CUDA_GRAPHS 0
#endif

namespace torchlab::train {

namespace {

bool same_layout(const Batch& a, const Batch& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].sizes() != b[i].sizes() || a[i].scalar_type() != b[i].scalar_type()) return false;
  return true;
}

}  // namespace

std::string CudaGraphStep::unsupported(const std::vector<torch::Tensor>& params,
                                       const torch::optim::Optimizer& optimizer) {
  if (!TORCHLAB_CUDA_GRAPHS) return "this build has no CUDA graphs (a CUDA build of libtorch 2.x has)";
  if (params.empty()) return "the model has no parameters";
  const auto device = params.front().device();
  if (!device.is_cuda()) return "the parameters are on " + device.str();
  for (const auto& p : params)
    if (p.device() != device || p.scalar_type() != torch::kFloat32)
      return "the parameters are not all float32 on " + device.str();
  if (!dynamic_cast<const torch::optim::Adam*>(&optimizer)) return "the optimizer is not Adam";
  return "";
}

struct CudaGraphStep::Impl {
  std::vector<torch::Tensor> params;
  torch::optim::Optimizer& optimizer;
  CudaGraphStepOptions options;
  Forward forward;
  EagerOptimize eager_optimize;
  int64_t eager_steps = 0;
  std::string failure;

  StepResult eager_here(const Batch& batch) {
    ++eager_steps;
    StepResult r = forward(batch);
    if (r.loss.defined()) eager_optimize(r.loss);
    return r;
  }

#if TORCHLAB_CUDA_GRAPHS
  // While a graph is or may be captured, eager steps run on the capture stream, as the warm-up must: autograd ties
  // each parameter's gradient accumulator to the stream of the first backward that made it.
  std::optional<c10::cuda::CUDAStream> stream;

  StepResult eager(const Batch& batch) {
    if (!failure.empty()) return eager_here(batch);
    const auto device = params.front().device();
    if (!stream) stream = c10::cuda::getStreamFromPool(false, device.index());
    torch::cuda::synchronize(device.index());
    StepResult r;
    {
      c10::cuda::CUDAStreamGuard guard(*stream);
      r = eager_here(batch);
    }
    torch::cuda::synchronize(device.index());
    return r;
  }
#else
  StepResult eager(const Batch& batch) { return eager_here(batch); }
#endif

#if TORCHLAB_CUDA_GRAPHS
  ~Impl() {
    // The graph's memory pool goes with the graph: the gradients living in it leave the parameters first.
    for (size_t i = 0; i < graph_grads.size(); ++i)
      if (graph_grads[i].defined() && params[i].grad().is_same(graph_grads[i]))
        params[i].mutable_grad() = torch::Tensor();
    graph_grads.clear();
    result = {};
    static_batch.clear();
    groups.clear();
    device_steps = torch::Tensor();
    graph.reset();
  }

  // One Adam parameter group: the fused kernel's argument lists, over the optimizer's own state tensors.
  struct Group {
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps;
    std::vector<torch::optim::AdamParamState*> states;
    torch::Tensor lr;  // device float scalar, refreshed when the group's lr changes (schedules)
    double lr_value = 0;
    double beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0;
    bool amsgrad = false;
  };

  std::unique_ptr<at::cuda::CUDAGraph> graph;
  Batch static_batch;
  StepResult result;                       // loss: the graph's output scalar
  std::vector<torch::Tensor> graph_grads;  // the gradients the graph writes, kept as the parameters' .grad
  std::vector<Group> groups;
  torch::Tensor device_steps;                              // float [n]: Adam step counts the graph increments
  std::vector<torch::optim::AdamParamState*> step_states;  // in device_steps order
  std::vector<int64_t> synced_steps;                       // host step counts device_steps was last set from

  // Collects the Adam state of every parameter; false when one has none yet (no step taken).
  bool collect_groups(torch::Device device) {
    auto& adam = dynamic_cast<torch::optim::Adam&>(optimizer);
    groups.clear();
    step_states.clear();
    for (auto& g : adam.param_groups()) {
      const auto& o = static_cast<const torch::optim::AdamOptions&>(g.options());
      Group group;
      group.lr_value = o.lr();
      group.lr = torch::full({}, o.lr(), torch::dtype(torch::kFloat32).device(device));
      group.beta1 = std::get<0>(o.betas());
      group.beta2 = std::get<1>(o.betas());
      group.eps = o.eps();
      group.weight_decay = o.weight_decay();
      group.amsgrad = o.amsgrad();
      for (const auto& p : g.params()) {
        auto it = adam.state().find(compat::optimizer_state_key(p));
        if (it == adam.state().end()) return false;
        auto* st = static_cast<torch::optim::AdamParamState*>(it->second.get());
        group.params.push_back(p);
        group.exp_avgs.push_back(st->exp_avg());
        group.exp_avg_sqs.push_back(st->exp_avg_sq());
        if (group.amsgrad) group.max_exp_avg_sqs.push_back(st->max_exp_avg_sq());
        group.states.push_back(st);
        step_states.push_back(st);
      }
      groups.push_back(std::move(group));
    }
    device_steps =
        torch::zeros({static_cast<int64_t>(step_states.size())}, torch::dtype(torch::kFloat32).device(device));
    int64_t k = 0;
    for (auto& group : groups)
      for (size_t i = 0; i < group.params.size(); ++i) group.steps.push_back(device_steps.select(0, k++));
    synced_steps.assign(step_states.size(), -1);
    return true;
  }

  // The captured body after the forward: backward, clipping, the step counts, fused Adam.
  void backward_and_update(const torch::Tensor& loss) {
    loss.backward();
    if (options.clip_value > 0)
      for (const auto& p : params)
        if (p.grad().defined()) p.grad().clamp_(-options.clip_value, options.clip_value);
    if (options.clip_norm > 0) {  // clip_grad_norm's arithmetic without reading the norm on the host
      std::vector<torch::Tensor> norms;
      for (const auto& p : params)
        if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(torch::kFloat64));
      const auto scale = (options.clip_norm / (torch::stack(norms).norm(2) + 1e-6)).clamp_max(1.0);
      for (const auto& p : params)
        if (p.grad().defined()) p.grad().mul_(scale);
    }
    device_steps.add_(1);
    for (auto& group : groups) {
      group.grads.clear();
      for (const auto& p : group.params) {
        if (!p.grad().defined()) throw std::runtime_error("a parameter gets no gradient");
        group.grads.push_back(p.grad());
      }
      at::_fused_adam_(group.params, group.grads, group.exp_avgs, group.exp_avg_sqs, group.max_exp_avg_sqs, group.steps,
                       group.lr, group.beta1, group.beta2, group.weight_decay, group.eps, group.amsgrad,
                       /*maximize=*/false, /*grad_scale=*/{}, /*found_inf=*/{});
    }
  }

  void capture(const Batch& batch) {
    const auto device = params.front().device();
    if (!collect_groups(device)) throw std::runtime_error("the optimizer has no state yet");
    static_batch.clear();
    for (const auto& t : batch) static_batch.push_back(t.to(device, /*non_blocking=*/false, /*copy=*/true));
    torch::cuda::synchronize(device.index());
    if (!stream) stream = c10::cuda::getStreamFromPool(false, device.index());
    {
      c10::cuda::CUDAStreamGuard guard(*stream);
      for (auto& p : params) p.mutable_grad() = torch::Tensor();  // backward allocates them in the graph's pool
      graph = std::make_unique<at::cuda::CUDAGraph>();
      graph->capture_begin();
      try {
        result = forward(static_batch);
        if (!result.loss.defined()) throw std::runtime_error("the step returns no loss");
        if (!result.metrics.empty()) throw std::runtime_error("the step reports metrics");
        backward_and_update(result.loss);
        graph->capture_end();
      } catch (...) {
        try {
          graph->capture_end();
        } catch (...) {
        }
        graph.reset();
        throw;
      }
    }
    torch::cuda::synchronize(device.index());
    graph_grads.clear();
    for (const auto& p : params) graph_grads.push_back(p.grad());
  }

  StepResult replay(const Batch& batch) {
    for (size_t i = 0; i < batch.size(); ++i) static_batch[i].copy_(batch[i]);
    for (size_t i = 0; i < params.size(); ++i)  // an eager step in between replaced them
      if (graph_grads[i].defined() && !params[i].grad().is_same(graph_grads[i]))
        params[i].mutable_grad() = graph_grads[i];
    bool synced = true;
    for (size_t i = 0; i < step_states.size(); ++i) synced = synced && synced_steps[i] == step_states[i]->step();
    if (!synced) {
      std::vector<float> host(step_states.size());
      for (size_t i = 0; i < step_states.size(); ++i) host[i] = static_cast<float>(step_states[i]->step());
      device_steps.copy_(torch::from_blob(host.data(), {static_cast<int64_t>(host.size())}, torch::kFloat32));
    }
    auto& adam_groups = optimizer.param_groups();
    for (size_t g = 0; g < groups.size(); ++g) {
      const double lr = adam_groups[g].options().get_lr();
      if (lr != groups[g].lr_value) {
        groups[g].lr.fill_(lr);
        groups[g].lr_value = lr;
      }
    }
    graph->replay();
    for (size_t i = 0; i < step_states.size(); ++i) {
      step_states[i]->step(step_states[i]->step() + 1);
      synced_steps[i] = step_states[i]->step();
    }
    return result;
  }
#endif
};

CudaGraphStep::CudaGraphStep(std::vector<torch::Tensor> params, torch::optim::Optimizer& optimizer,
                             CudaGraphStepOptions options, Forward forward, EagerOptimize eager_optimize)
    : impl_(new Impl{std::move(params), optimizer, options, std::move(forward), std::move(eager_optimize)}) {
  impl_->failure = unsupported(impl_->params, optimizer);
}

CudaGraphStep::~CudaGraphStep() = default;

bool CudaGraphStep::captured() const {
#if TORCHLAB_CUDA_GRAPHS
  return impl_->graph != nullptr;
#else
  return false;
#endif
}

const std::string& CudaGraphStep::failure() const { return impl_->failure; }

std::string CudaGraphStep::take_note() {
  if (noted_ || impl_->failure.empty()) return {};
  noted_ = true;
  return "note: CUDA graph capture failed (" + impl_->failure + "); steps stay eager";
}

StepResult CudaGraphStep::step(const Batch& batch) {
  auto& m = *impl_;
#if TORCHLAB_CUDA_GRAPHS
  if (m.graph && same_layout(batch, m.static_batch)) return m.replay(batch);
  if (!m.graph && m.failure.empty() && m.eager_steps >= m.options.warmup_steps) {
    try {
      m.capture(batch);
      return m.replay(batch);
    } catch (const std::exception& e) {
      m.failure = e.what();
      for (auto& p : m.params) p.mutable_grad() = torch::Tensor();
    }
  }
#else
  (void)same_layout;
#endif
  return m.eager(batch);
}

}  // namespace torchlab::train
