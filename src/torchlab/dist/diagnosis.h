#pragma once
// Turns a failed collective into a message naming the ranks at fault, from what each rank recorded in the store.
#include <chrono>
#include <cstdint>
#include <string>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "torchlab/dist/env.h"

namespace torchlab::dist {

// Store keys: "seq/<rank>" = "<n>|<what>" is the last collective a rank entered (n counts from 1);
// "failed/<rank>" = "<n>" marks a rank that saw collective n fail.
//
// Ranks whose record is older than `seq` fell behind (dead, hung or stuck before it). When none did, the ranks that
// do not report the same failure within a short grace stopped inside the collective. A store that no longer answers
// means rank 0, its host, is gone. Gives its answer within about 8 s, whatever the store does.
std::string diagnose(c10::intrusive_ptr<c10d::Store> store, const Env& env, int64_t seq, const std::string& what,
                     const std::string& original);
std::string lost_store_message(const Env& env, const std::string& what);

std::string rank_list(const std::vector<int>& ranks);    // "rank 1", "ranks 1, 3"
std::string seconds_text(std::chrono::milliseconds ms);  // "60 s", "2.5 s"

}  // namespace torchlab::dist
