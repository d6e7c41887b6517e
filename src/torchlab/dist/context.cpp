#include "torchlab/dist/context.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <thread>

#include "torchlab/core/error.h"
#include "torchlab/dist/c10d_compat.h"
#include "torchlab/dist/diagnosis.h"
#include "torchlab/dist/threads.h"

namespace torchlab::dist {
namespace {

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

std::string error_text(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

bool compiled(const std::string& backend) {
  const auto all = available_backends();
  return std::find(all.begin(), all.end(), backend) != all.end();
}

std::string compiled_list() {
  std::string out;
  for (const auto& b : available_backends()) out += (out.empty() ? "" : ", ") + b;
  return out.empty() ? "none" : out;
}

std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

bool is_loopback(const std::string& addr) { return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0; }

}  // namespace

struct Context::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<compat::Backend> group;
  std::string backend;
  at::Device device = at::kCPU;
  std::optional<at::Device> preferred;  // set_device's
  int64_t seq = 0;
  std::string failure;  // set once a collective failed: later ones fail at once with the same message
};

Context::Context(Env env) : env_(std::move(env)), impl_(std::make_unique<Impl>()) {
  const auto& b = env_.backend;
  if (b != "auto" && b != "gloo" && b != "nccl")
    throw UserError("distributed backend \"" + b +
                    "\" (--backend / TORCHLAB_DIST_BACKEND): expected auto, gloo or nccl");
  if (b != "auto" && !compiled(b))
    throw UserError("distributed backend " + b + " is not compiled into this build (compiled in: " + compiled_list() +
                    "); gloo needs Debian's libtorch with libgloo-dev, nccl a CUDA libtorch and -DUSE_C10D_NCCL=ON");
  if (!env_.present) return;
  if (available_backends().empty())
    throw UserError(
        "this torchlab build has no distributed backend compiled in (gloo or nccl), so it cannot run as "
        "rank " +
        std::to_string(env_.rank) + " of " + std::to_string(env_.world_size) + "; see `torchlab info`");
  cap_threads_per_worker(env_.local_world_size);
  // A peer that dies mid-transfer must surface as a write error Gloo reports (and we diagnose), not as a SIGPIPE
  // that silently kills this rank too. (Python ignores SIGPIPE for the same reason.)
  ::signal(SIGPIPE, SIG_IGN);

  const std::string where = env_.master_addr + ":" + std::to_string(env_.master_port);
  const std::string secs = seconds_text(env_.timeout);
  try {
    impl_->store = compat::make_tcp_store(env_.master_addr, env_.master_port, chief(), env_.world_size, env_.timeout);
  } catch (const std::exception& e) {
    if (chief())
      throw UserError("rank 0 cannot host the rendezvous store on " + where + ": " + error_text(e) +
                      " (is the port in use? pick another with --master HOST:PORT or MASTER_PORT)");
    throw UserError("rank " + std::to_string(rank()) + " could not reach rank 0's rendezvous store at " + where +
                    " within " + secs + ": " + error_text(e) +
                    " (is rank 0 running, and are MASTER_ADDR/MASTER_PORT right?)");
  }
  std::vector<std::string> keys;
  for (int k = 0; k < world_size(); ++k) keys.push_back("joined/" + std::to_string(k));
  try {
    impl_->store->set(keys[rank()], bytes(host_name() + " pid " + std::to_string(::getpid())));
    impl_->store->wait(keys, env_.timeout);
  } catch (const std::exception& e) {
    std::vector<int> missing;
    try {
      for (int k = 0; k < world_size(); ++k)
        if (!impl_->store->check({keys[k]})) missing.push_back(k);
    } catch (const std::exception&) {
      throw UserError("rank " + std::to_string(rank()) + " lost rank 0 (which hosts the rendezvous store at " + where +
                      ") while waiting for the others to join: it died or hangs");
    }
    if (missing.empty()) throw UserError("rendezvous at " + where + " failed: " + error_text(e));
    throw UserError(rank_list(missing) + " of " + std::to_string(world_size()) + " did not join the rendezvous at " +
                    where + " within " + secs + " (started? same MASTER_ADDR/MASTER_PORT and WORLD_SIZE?)");
  }
}

Context::~Context() {
  // After a failure the store's server thread may sit in a read from a peer that stopped halfway through a request,
  // and ~TCPStore would join it forever: keep the store (and the group using it) alive instead.
  if (impl_ && !impl_->failure.empty()) {
    new c10::intrusive_ptr<c10d::TCPStore>(std::move(impl_->store));
    new c10::intrusive_ptr<compat::Backend>(std::move(impl_->group));
  }
}

Context& Context::process() {
  // Kept until exit on purpose: tearing down sockets and threads in static destructors helps nobody.
  static Context* context = new Context(Env::from_environment());
  return *context;
}

std::string Context::backend() const { return impl_->backend; }

namespace {

// Tensors on another device than the process group's (CPU metrics in a NCCL run) travel through a copy.
std::vector<at::Tensor> staged(const std::vector<at::Tensor>& tensors, at::Device device) {
  std::vector<at::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.device() == device ? t : t.to(device));
  return out;
}

void unstage(const std::vector<at::Tensor>& tensors, const std::vector<at::Tensor>& copies) {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (!tensors[i].is_same(copies[i])) tensors[i].copy_(copies[i]);
}

}  // namespace

void Context::broadcast(const std::vector<at::Tensor>& tensors, int root, const std::string& what) {
  if (!env_.present || tensors.empty()) return;
  collective(what, tensors.front().device(), [&] {
    auto copies = staged(tensors, impl_->device);
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& t : copies) {
      std::vector<at::Tensor> one{t};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      works.push_back(impl_->group->broadcast(one, opts));
    }
    for (auto& w : works)
      w->wait(env_.timeout + std::chrono::seconds(5));  // a backstop: the backend's own timeout comes first
    unstage(tensors, copies);
  });
}

void Context::set_device(at::Device device) {
  if (!impl_->group) impl_->preferred = device;
}

void Context::allreduce_sum(const std::vector<at::Tensor>& tensors, const std::string& what) {
  if (!env_.present || tensors.empty()) return;
  collective(what, tensors.front().device(), [&] {
    auto copies = staged(tensors, impl_->device);
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& t : copies) {
      std::vector<at::Tensor> one{t};
      works.push_back(impl_->group->allreduce(one, c10d::AllreduceOptions()));
    }
    for (auto& w : works)
      w->wait(env_.timeout + std::chrono::seconds(5));  // a backstop: the backend's own timeout comes first
    unstage(tensors, copies);
  });
}

void Context::barrier(const std::string& what) {
  if (!env_.present) return;
  at::Device device = impl_->group ? impl_->device : impl_->preferred.value_or(at::Device(at::kCPU));
  if (!impl_->group && !impl_->preferred && env_.backend == "nccl")
    device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(env_.local_rank));
  auto one = at::zeros({1}, at::TensorOptions().device(device));
  allreduce_sum({one}, what);
}

void Context::store_set(const std::string& key, const std::string& value) {
  if (!env_.present) return;
  impl_->store->set("user/" + key, bytes(value));
}

std::string Context::store_get(const std::string& key) {
  if (!env_.present) throw std::logic_error("Context::store_get in a single process");
  try {
    return text(impl_->store->get("user/" + key));
  } catch (const std::exception& e) {
    throw UserError("rank " + std::to_string(rank()) + " waited " + seconds_text(env_.timeout) + " for \"" + key +
                    "\" from rank 0 in vain (" + error_text(e) + "): rank 0 died, hangs, or failed before sending it");
  }
}

void Context::collective(const std::string& what, at::Device device, const std::function<void()>& issue) {
  auto& impl = *impl_;
  if (!impl.failure.empty()) throw UserError(impl.failure);
  ++impl.seq;
  try {
    // Alone there is nobody to blame: skip the round trip.
    if (world_size() > 1)
      impl.store->set("seq/" + std::to_string(rank()), bytes(std::to_string(impl.seq) + "|" + what));
  } catch (const std::exception&) {
    impl.failure = lost_store_message(env_, what);
    throw UserError(impl.failure);
  }
  try {
    if (!impl.group) make_group(impl.preferred.value_or(device));
    issue();
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    impl.failure = diagnose(impl.store, env_, impl.seq, what, error_text(e));
    throw UserError(impl.failure);
  }
}

void Context::make_group(at::Device device) {
  auto& impl = *impl_;
  std::string backend = env_.backend;
  if (backend == "auto") backend = device.is_cuda() ? "nccl" : "gloo";
  if (!compiled(backend))
    throw UserError("data-parallel training on " + std::string(device.is_cuda() ? "CUDA" : "CPU") +
                    " tensors needs the " + backend +
                    " backend, which this build lacks (compiled in: " + compiled_list() + ")" +
                    (device.is_cuda() ? "; build against a CUDA libtorch with -DUSE_C10D_NCCL=ON, or use --device cpu"
                                      : "; install libgloo-dev and rebuild, or use CUDA tensors with nccl"));
  if (backend == "gloo" && device.is_cuda())
    throw UserError("the gloo backend here reduces CPU tensors; use --device cpu, or the nccl backend for CUDA");
  if (backend == "nccl" && !device.is_cuda())
    throw UserError("the nccl backend reduces CUDA tensors; use --device cuda, or the gloo backend for CPU");
  impl.device = device;
  impl.backend = backend;
#ifdef TORCHLAB_HAVE_GLOO
  if (backend == "gloo") {
    auto opts = c10d::ProcessGroupGloo::Options::create(env_.timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (is_loopback(env_.master_addr))
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(env_.master_addr));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    impl.group = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", impl.store),
                                                             rank(), world_size(), opts);
  }
#endif
#ifdef TORCHLAB_HAVE_NCCL
  if (backend == "nccl") {
    // Blocking wait makes wait() honour the timeout and throw, instead of hanging on a dead peer.
    ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
    ::setenv("NCCL_BLOCKING_WAIT", "1", 0);
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = env_.timeout;
    impl.group = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", impl.store),
                                                             rank(), world_size(), opts);
  }
#endif
  if (!impl.group) throw std::logic_error("no process group for backend " + backend);
}

}  // namespace torchlab::dist
