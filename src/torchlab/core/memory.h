#pragma once
// What a job needs against what the machine has: tasks estimate their memory from the config and refuse one that
// cannot fit before allocating (an allocation of terabytes is an out-of-memory crash, or the OOM killer, later).
#include <cstdint>
#include <string>
#include <vector>

namespace torchlab {

struct MachineMemory {
  int64_t available = 0;  // bytes: MemAvailable from /proc/meminfo, capped by a cgroup limit (memory.max)
  int64_t total = 0;      // bytes of physical memory
};
MachineMemory machine_memory();

// "1.5 GiB", "12 MiB", "640 KiB", "12 bytes".
std::string format_bytes(double bytes);

// One part of an estimate, e.g. {"parameters", 4096}.
struct MemoryPart {
  std::string name;
  double bytes = 0;
};

// UserError when the parts add up to more than `available` bytes (machine_memory().available by default):
// "<what> needs about X (parameters A, optimizer state B, ...) but this machine has Y available (Z in all); <hint>".
void check_memory_fits(const std::string& what, const std::vector<MemoryPart>& parts, const std::string& hint,
                       int64_t available = -1);

}  // namespace torchlab
