#include "torchlab/dist/env.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "torchlab/core/error.h"
#include "torchlab/core/info.h"

namespace torchlab::dist {
namespace {

const char* get(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

long parse_int(const char* name, const char* text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
    throw UserError(std::string("environment variable ") + name + "=" + text + ": expected a whole number in " +
                    std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

}  // namespace

Env Env::from_environment() {
  Env env;
  const char* rank = get("RANK");
  const char* world = get("WORLD_SIZE");
  if (const char* t = get("TORCHLAB_DIST_TIMEOUT")) {
    char* end = nullptr;
    const double s = std::strtod(t, &end);
    if (end == t || *end != '\0' || !(s > 0) || s > 86400)
      throw UserError(std::string("TORCHLAB_DIST_TIMEOUT=") + t + ": expected seconds, > 0 (e.g. 60 or 2.5)");
    env.timeout = std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
  }
  if (const char* b = get("TORCHLAB_DIST_BACKEND")) env.backend = b;
  if (!rank && !world) return env;
  if (!rank || !world)
    throw UserError(std::string("environment: ") + (rank ? "RANK" : "WORLD_SIZE") + " is set but " +
                    (rank ? "WORLD_SIZE" : "RANK") + " is not; a worker needs both (torchlab launch sets them)");
  env.present = true;
  env.world_size = static_cast<int>(parse_int("WORLD_SIZE", world, 1, 1 << 20));
  env.rank = static_cast<int>(parse_int("RANK", rank, 0, env.world_size - 1));
  if (const char* v = get("LOCAL_RANK")) env.local_rank = static_cast<int>(parse_int("LOCAL_RANK", v, 0, 1 << 20));
  env.local_world_size = env.world_size;
  if (const char* v = get("LOCAL_WORLD_SIZE"))
    env.local_world_size = static_cast<int>(parse_int("LOCAL_WORLD_SIZE", v, 1, env.world_size));
  if (const char* v = get("MASTER_ADDR")) env.master_addr = v;
  if (const char* v = get("MASTER_PORT")) env.master_port = static_cast<int>(parse_int("MASTER_PORT", v, 1, 65535));
  return env;
}

std::vector<std::string> available_backends() { return compiled_dist_backends(); }

int free_port(const std::string& addr) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(addr.c_str(), "0", &hints, &res) != 0 || !res)
    throw UserError("cannot resolve the address " + addr + " to find a free port");
  const int fd = ::socket(res->ai_family, SOCK_STREAM, 0);
  int port = -1;
  if (fd >= 0 && ::bind(fd, res->ai_addr, res->ai_addrlen) == 0) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
      port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  const std::string why = std::strerror(errno);
  if (fd >= 0) ::close(fd);
  freeaddrinfo(res);
  if (port <= 0) throw UserError("cannot find a free TCP port on " + addr + ": " + why);
  return port;
}

std::pair<std::string, int> parse_host_port(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  const auto bad = [&] { return UserError(what + " " + text + ": expected HOST:PORT, e.g. 10.0.0.1:29500"); };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) throw bad();
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) throw bad();
  const int p = std::stoi(port);
  if (p < 1 || p > 65535) throw bad();
  return {host, p};
}

}  // namespace torchlab::dist
