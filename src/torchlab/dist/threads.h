#pragma once

namespace torchlab::dist {

// Workers on one machine share its cores: each gets at most cores / local_world_size intra-op threads, so N
// processes do not oversubscribe the CPU (OpenMP threads that spin on a busy core are many times slower).
void cap_threads_per_worker(int local_world_size);

}  // namespace torchlab::dist
