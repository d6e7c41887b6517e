#include "torchlab/dist/c10d_compat.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace torchlab::dist::compat {
namespace {

#ifdef TORCHLAB_TCPSTORE_LISTEN_FD
// A listening socket bound to host:port only (not every interface), handed to the TCPStore server.
int listen_on(const std::string& host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
  std::string why = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 2048) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(res);
  throw std::runtime_error("cannot listen on " + host + ":" + service + ": " + why);
}
#endif

}  // namespace

c10::intrusive_ptr<c10d::TCPStore> make_tcp_store(const std::string& host, int port, bool server, int world_size,
                                                  std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  opts.isServer = server;
  opts.numWorkers = static_cast<std::size_t>(world_size);
  opts.waitWorkers = false;  // the Context waits itself, to name the ranks that did not join
  opts.timeout = timeout;
#ifdef TORCHLAB_TCPSTORE_LISTEN_FD
  if (server) {
    opts.masterListenFd = listen_on(host, port);
    opts.useLibUV = false;  // the classic server takes the socket as it is
  }
#endif
  return c10::make_intrusive<c10d::TCPStore>(host, opts);
}

}  // namespace torchlab::dist::compat
