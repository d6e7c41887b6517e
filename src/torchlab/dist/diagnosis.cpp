#include "torchlab/dist/diagnosis.h"

#include <future>
#include <memory>
#include <sstream>
#include <thread>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace torchlab::dist {
namespace {

std::string get_text(c10d::Store& store, const std::string& key) {
  const auto b = store.get(key);
  return {b.begin(), b.end()};
}

// The first line of libtorch's message, without its source location noise.
std::string first_line(const std::string& s) {
  auto line = s.substr(0, s.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

// A rank failing because of another one leaves a moment later, so a launcher watching the exits sees the culprit's
// first and reports that one.
void let_culprit_go_first() { std::this_thread::sleep_for(std::chrono::milliseconds(500)); }

}  // namespace

std::string rank_list(const std::vector<int>& ranks) {
  std::string out = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i) out += (i ? ", " : "") + std::to_string(ranks[i]);
  return out;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  std::ostringstream s;
  s << ms.count() / 1000.0 << " s";
  return s.str();
}

std::string lost_store_message(const Env& env, const std::string& what) {
  return "rank " + std::to_string(env.rank) + ": " + what +
         " failed: lost rank 0, which hosts the rendezvous store at " + env.master_addr + ":" +
         std::to_string(env.master_port) + ": it died or hangs";
}

namespace {

// Rank 0 hosts the store, so a store that stops answering there is blocked by a peer that stopped halfway through a
// request: one of the others died or hangs.
std::string store_stuck_message(const Env& env, const std::string& head) {
  std::vector<int> others;
  for (int k = 0; k < env.world_size; ++k)
    if (k != env.rank) others.push_back(k);
  return head + "no answer from " + (others.size() == 1 ? "" : "one of ") + rank_list(others) +
         " (died or hangs), which also left the rendezvous store stuck in the middle of a request";
}

std::string diagnose_now(c10d::Store& store, const Env& env, int64_t seq, const std::string& what,
                         const std::string& head, const std::string& cause) {
  try {
    // Answers must come quickly now: a store that does not answer means its host, rank 0, is gone.
    store.setTimeout(std::min<std::chrono::milliseconds>(env.timeout, std::chrono::seconds(5)));
    store.set("failed/" + std::to_string(env.rank), std::vector<uint8_t>{'1'});
    std::vector<int> behind;
    std::string where;
    for (int k = 0; k < env.world_size; ++k) {
      if (k == env.rank) continue;
      const std::string key = "seq/" + std::to_string(k);
      if (!store.check({key})) {
        behind.push_back(k);
        where += "; rank " + std::to_string(k) + " never reached a collective";
        continue;
      }
      const std::string rec = get_text(store, key);
      const auto bar = rec.find('|');
      if (std::stoll(rec.substr(0, bar)) < seq) {
        behind.push_back(k);
        where += "; rank " + std::to_string(k) + " is still at " + rec.substr(bar + 1);
      }
    }
    if (!behind.empty()) {
      let_culprit_go_first();
      return head + rank_list(behind) + " did not reach it (died or hangs)" + where + cause;
    }
    // Everyone reached this collective. The ranks that do not report the failure themselves stopped inside it.
    std::vector<int> silent;
    for (int k = 0; k < env.world_size; ++k)
      if (k != env.rank) silent.push_back(k);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!silent.empty() && std::chrono::steady_clock::now() < deadline) {
      std::vector<int> still;
      for (int k : silent)
        if (!store.check({"failed/" + std::to_string(k)})) still.push_back(k);
      silent.swap(still);
      if (!silent.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!silent.empty()) {
      let_culprit_go_first();
      return head + rank_list(silent) + " stopped answering during it (died or hangs)" + cause;
    }
    return head + "it failed on every rank" + cause;
  } catch (const std::exception&) {
    if (env.rank == 0) return store_stuck_message(env, head) + cause;
    let_culprit_go_first();
    return lost_store_message(env, what) + cause;
  }
}

}  // namespace

std::string diagnose(c10::intrusive_ptr<c10d::Store> store, const Env& env, int64_t seq, const std::string& what,
                     const std::string& original) {
  const std::string head = "rank " + std::to_string(env.rank) + ": " + what + " failed: ";
  const std::string cause = " (" + first_line(original) + "; timeout " + seconds_text(env.timeout) + ")";
  // The store's server handles one request at a time: a rank stopped halfway through sending one blocks it for
  // everybody. So the questions run on their own thread, and the answer is given up after a deadline.
  auto answer = std::make_shared<std::promise<std::string>>();
  auto future = answer->get_future();
  std::thread([answer, store, env, seq, what, head, cause] {
    answer->set_value(diagnose_now(*store, env, seq, what, head, cause));
  }).detach();
  if (future.wait_for(std::chrono::seconds(8)) == std::future_status::ready) return future.get();
  if (env.rank != 0) return lost_store_message(env, what) + cause;
  return store_stuck_message(env, head) + cause;
}

}  // namespace torchlab::dist
