#include "torchlab/rl/dqn_agent.h"

#include <algorithm>
#include <cmath>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/train/ema.h"

namespace torchlab::rl {

double linear_schedule(double start, double end, int64_t duration, int64_t t) {
  if (duration <= 0 || t >= duration) return end;
  return start + (end - start) * static_cast<double>(t) / static_cast<double>(duration);
}

int masked_argmax(const float* q, int num_actions, uint32_t legal) {
  int best = -1;
  for (int a = 0; a < num_actions; ++a)
    if ((legal >> a & 1u) && (best < 0 || q[a] > q[best])) best = a;
  return best;
}

DqnAgent::DqnAgent(const DqnConfig& config, torch::Device device)
    : config_(config),
      device_(device),
      obs_size_(observation_size(config.env)),
      num_actions_(action_count(config.env)),
      online_(config.layer_sizes()),
      target_(config.layer_sizes()) {
  config_.validate();
  online_->to(device_);
  target_->to(device_);
  {
    torch::NoGradGuard no_grad;
    auto t = target_->parameters();
    auto o = online_->parameters();
    for (size_t k = 0; k < t.size(); ++k) t[k].copy_(o[k]);
  }
  for (auto& p : target_->parameters()) p.set_requires_grad(false);
  const bool can_fuse = device_.is_cpu();
  if (config_.fused == "on" && !can_fuse)
    throw UserError("--fused on needs the CPU; use --fused auto or off with --device " + device_.str());
  fused_ = config_.fused == "on" || (config_.fused == "auto" && can_fuse);
  const torch::optim::AdamOptions adam(config_.lr);
  if (fused_) {
    auto fused = std::make_shared<train::FusedAdam>(online_->parameters(), adam);
    fused_adam_ = fused.get();
    optimizer_ = fused;
    online_f_ = FusedMlp(*online_);
    target_f_ = FusedMlp(*target_);
    rebind();
  } else {
    optimizer_ = std::make_shared<torch::optim::Adam>(online_->parameters(), adam);
  }
}

void DqnAgent::rebind() {
  if (!fused_) return;
  std::vector<float*> grads;
  const auto params = online_->parameters();
  for (size_t k = 0; k < online_f_.params().size(); ++k) {
    if (k >= params.size() || params[k].data_ptr<float>() != online_f_.params()[k].data)
      throw std::logic_error("DqnAgent: the fused network does not share the online network's parameters");
    grads.push_back(online_f_.params()[k].grad);
  }
  fused_adam_->bind_gradients(grads);
}

void DqnAgent::q_values(const float* obs, int n, float* out) {
  if (fused_) return online_f_.forward(obs, n, out);
  torch::NoGradGuard no_grad;
  auto x = torch::from_blob(const_cast<float*>(obs), {n, obs_size_}).to(device_);
  auto q = online_->forward(x).to(torch::kCPU).contiguous();
  std::copy(q.data_ptr<float>(), q.data_ptr<float>() + q.numel(), out);
}

void DqnAgent::target_q_values(const float* obs, int n, float* out) {
  if (fused_) return target_f_.forward(obs, n, out);
  torch::NoGradGuard no_grad;
  auto x = torch::from_blob(const_cast<float*>(obs), {n, obs_size_}).to(device_);
  auto q = target_->forward(x).to(torch::kCPU).contiguous();
  std::copy(q.data_ptr<float>(), q.data_ptr<float>() + q.numel(), out);
}

torch::Tensor DqnAgent::q_values(const torch::Tensor& obs) {
  const bool single = obs.dim() == 1;
  auto x = (single ? obs.unsqueeze(0) : obs).to(torch::kCPU, torch::kFloat32).contiguous();
  if (x.dim() != 2 || x.size(1) != obs_size_)
    throw UserError("Q-values need observations of " + std::to_string(obs_size_) + " features");
  auto out = torch::empty({x.size(0), num_actions_}, torch::kFloat32);
  q_values(x.data_ptr<float>(), static_cast<int>(x.size(0)), out.data_ptr<float>());
  return single ? out.squeeze(0) : out;
}

int DqnAgent::greedy_action(const float* obs, uint32_t legal) {
  scratch_.resize(num_actions_);
  q_values(obs, 1, scratch_.data());
  return masked_argmax(scratch_.data(), num_actions_, legal);
}

int DqnAgent::act(const float* obs, uint32_t legal, double eps, std::mt19937_64& rng) {
  if (legal == 0) throw std::logic_error("DqnAgent::act with no legal action");
  if (eps > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < eps) {
    const int count = __builtin_popcount(legal);
    int pick = std::uniform_int_distribution<int>(0, count - 1)(rng);
    for (int a = 0;; ++a)
      if ((legal >> a & 1u) && pick-- == 0) return a;
  }
  return greedy_action(obs, legal);
}

double DqnAgent::learn(const float* obs, const int* actions, const float* targets, int n) {
  const bool huber = config_.loss == "huber";
  double loss = 0;
  if (fused_) {
    online_f_.train_forward(obs, n);
    const float* q = online_f_.output();
    float* dq = online_f_.output_grad();
    const int cols = online_f_.columns();
    for (int b = 0; b < n; ++b) {
      const size_t at = static_cast<size_t>(actions[b]) * cols + b;
      const float d = q[at] - targets[b];
      const float ad = std::fabs(d);
      if (huber) {
        loss += ad < 1 ? 0.5 * d * d : ad - 0.5;
        dq[at] = std::clamp(d, -1.0f, 1.0f) / static_cast<float>(n);
      } else {
        loss += static_cast<double>(d) * d;
        dq[at] = 2 * d / static_cast<float>(n);
      }
    }
    online_f_.backward();
    fused_adam_->step_bound();
    loss /= n;
  } else {
    auto x = torch::from_blob(const_cast<float*>(obs), {n, obs_size_}).to(device_);
    auto a = torch::from_blob(const_cast<int*>(actions), {n, 1}, torch::kInt32).to(device_, torch::kInt64);
    auto y = torch::from_blob(const_cast<float*>(targets), {n}).to(device_);
    auto q = online_->forward(x).gather(1, a).squeeze(1);
    auto l = huber ? torch::smooth_l1_loss(q, y) : torch::mse_loss(q, y);
    optimizer_->zero_grad();
    l.backward();
    optimizer_->step();
    loss = l.item<double>();
  }
  ++updates_;
  update_target();
  return loss;
}

void DqnAgent::update_target() {
  const bool hard = config_.target_update == "hard";
  if (hard && updates_ % config_.hard_every != 0) return;
  const double tau = hard ? 1.0 : config_.tau;
  if (fused_) {
    if (tau == 1.0)
      fused_copy(target_f_, online_f_);
    else
      fused_ema(target_f_, online_f_, static_cast<float>(tau));
    return;
  }
  train::ema_update(*target_, *online_, tau);
}

void DqnAgent::put_extra(Checkpoint& ckpt) const {
  put_module(ckpt, "target", *target_);
  ckpt.meta["dqn"] = {{"config", config_.to_json()}, {"updates", updates_}};
}

void DqnAgent::load_extra(const Checkpoint& ckpt) {
  load_module(ckpt, "target", *target_);
  updates_ = json_field_or<int64_t>(json_object(ckpt.meta, "dqn", "checkpoint metadata"), "updates", 0, "dqn metadata");
}

const char* const kOnlinePrefix = "model";

Checkpoint agent_checkpoint(DqnAgent& agent) {
  Checkpoint ckpt;
  ckpt.meta["kind"] = "dqn";
  put_module(ckpt, kOnlinePrefix, *agent.online());
  put_optimizer(ckpt, "optimizer", *agent.optimizer());
  agent.put_extra(ckpt);
  return ckpt;
}

void load_agent(DqnAgent& agent, const Checkpoint& ckpt, bool with_optimizer) {
  load_module(ckpt, kOnlinePrefix, *agent.online());
  if (with_optimizer && ckpt.blobs.count("optimizer")) {
    load_optimizer(ckpt, "optimizer", *agent.optimizer());
    agent.rebind();
  }
  agent.load_extra(ckpt);
}

DqnConfig dqn_config_of(const Checkpoint& ckpt, const std::string& source, const std::string& env) {
  const std::string kind = ckpt.meta.value("kind", std::string("?"));
  if (kind != "dqn" || !ckpt.meta.contains("dqn"))
    throw UserError(source + " is a \"" + kind + "\" checkpoint, not a DQN one (train one with torchlab dqn train)");
  DqnConfig config =
      DqnConfig::from_json(json_object(json_object(ckpt.meta, "dqn", source), "config", source + " dqn"));
  if (!env.empty() && config.env != env)
    throw UserError(source + " holds a DQN agent for " + config.env + ", not " + env);
  return config;
}

}  // namespace torchlab::rl
