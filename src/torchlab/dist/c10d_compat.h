#pragma once
// c10d differences between Debian's libtorch 1.13 and pip's libtorch 2.x, kept in one place. Include only from .cpp
// files: these headers are heavy.
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "torchlab/core/compat.h"

#ifdef TORCHLAB_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef TORCHLAB_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

// TCPStoreOptions::masterListenFd and useLibUV (pip libtorch 2.3 and later).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define TORCHLAB_TCPSTORE_LISTEN_FD 1
#endif

namespace torchlab::dist::compat {

// The process-group interface the concrete Gloo and NCCL classes implement: ProcessGroup in 1.13, Backend in 2.x.
#if TORCHLAB_TORCH_2
using Backend = c10d::Backend;
#else
using Backend = c10d::ProcessGroup;
#endif

// A TCPStore server (rank 0) or client. 2.3+ takes a socket we bound ourselves, so the server listens on `host` only;
// older ones (Debian's 1.13) listen on every interface of the port.
c10::intrusive_ptr<c10d::TCPStore> make_tcp_store(const std::string& host, int port, bool server, int world_size,
                                                  std::chrono::milliseconds timeout);

}  // namespace torchlab::dist::compat
