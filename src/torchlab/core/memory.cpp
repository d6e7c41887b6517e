#include "torchlab/core/memory.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "torchlab/core/error.h"

namespace torchlab {
namespace {

// "MemAvailable:   123456 kB" -> bytes; -1 when absent.
int64_t meminfo_field(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    int64_t kb = -1;
    fields >> kb;
    return kb < 0 ? -1 : kb * 1024;
  }
  return -1;
}

// The cgroup v2 limit minus what the group uses; -1 without a limit.
int64_t cgroup_room() {
  std::ifstream max_in("/sys/fs/cgroup/memory.max"), cur_in("/sys/fs/cgroup/memory.current");
  std::string max_text;
  int64_t current = 0;
  if (!(max_in >> max_text) || max_text == "max" || !(cur_in >> current)) return -1;
  try {
    return std::max<int64_t>(0, std::stoll(max_text) - current);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

MachineMemory machine_memory() {
  MachineMemory m;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  m.total = pages > 0 && page > 0 ? int64_t(pages) * int64_t(page) : 0;
  m.available = meminfo_field("MemAvailable");
  if (m.available < 0) m.available = m.total;
  const int64_t room = cgroup_room();
  if (room >= 0 && room < m.available) m.available = room;
  return m;
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void check_memory_fits(const std::string& what, const std::vector<MemoryPart>& parts, const std::string& hint,
                       int64_t available) {
  double need = 0;
  std::string detail;
  for (const auto& p : parts) {
    need += p.bytes;
    detail += (detail.empty() ? "" : ", ") + p.name + " " + format_bytes(p.bytes);
  }
  const MachineMemory machine = machine_memory();
  if (available < 0) available = machine.available;
  if (need <= static_cast<double>(available)) return;
  throw UserError(what + " needs about " + format_bytes(need) + " of memory (" + detail + ") but this machine has " +
                  format_bytes(static_cast<double>(available)) + " available (" +
                  format_bytes(static_cast<double>(machine.total)) + " in all); " + hint);
}

}  // namespace torchlab
