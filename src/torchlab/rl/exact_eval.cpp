#include "torchlab/rl/exact_eval.h"

#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "torchlab/rl/minimax.h"

namespace torchlab::rl {
namespace {

struct Enumerator {
  Player& agent;
  int8_t side;
  std::mt19937_64 rng{0};
  std::unordered_map<uint32_t, Odds> memo;

  Odds odds(const Board& b) {
    const int8_t w = b.winner();
    if (w != 0) return w == side ? Odds{1, 0, 0} : Odds{0, 0, 1};
    if (b.full()) return Odds{0, 1, 0};
    auto it = memo.find(b.code());
    if (it != memo.end()) return it->second;
    Odds out;
    if (b.to_move == side) {
      Board next = b;
      next.play(agent.choose(b, rng));
      out = odds(next);
    } else {
      const auto moves = mask_to_actions(b.legal_mask());
      for (int m : moves) {
        Board next = b;
        next.play(m);
        const Odds o = odds(next);
        out.win += o.win / moves.size();
        out.draw += o.draw / moves.size();
        out.loss += o.loss / moves.size();
      }
    }
    memo.emplace(b.code(), out);
    return out;
  }
};

}  // namespace

Odds exact_vs_random(Player& agent, int8_t side) {
  Enumerator e{agent, side};
  return e.odds(Board{});
}

int64_t imperfect_moves(Player& agent, int8_t side) {
  std::mt19937_64 rng(0);
  std::unordered_set<uint32_t> seen;
  int64_t bad = 0;
  std::vector<Board> stack{Board{}};
  while (!stack.empty()) {
    const Board b = stack.back();
    stack.pop_back();
    if (b.over() || !seen.insert(b.code()).second) continue;
    if (b.to_move == side) {
      const int cell = agent.choose(b, rng);
      if (!(minimax_best_moves(b) >> cell & 1u)) ++bad;
      Board next = b;
      next.play(cell);
      stack.push_back(next);
    } else {
      for (int m : mask_to_actions(b.legal_mask())) {
        Board next = b;
        next.play(m);
        stack.push_back(next);
      }
    }
  }
  return bad;
}

std::string exact_report(Player& agent, const std::string& vs, const std::string& sides) {
  std::string out;
  char buf[200];
  for (int8_t side : {kX, kO}) {
    const char name = side_char(side);
    if (sides != "both" && sides != std::string(1, name)) continue;
    if (vs == "minimax") {
      const int64_t bad = imperfect_moves(agent, side);
      std::snprintf(buf, sizeof buf, "  exact as %c: %lld imperfect moves in all the positions it can reach%s\n", name,
                    static_cast<long long>(bad), bad == 0 ? " (it cannot lose)" : "");
    } else {
      const Odds o = exact_vs_random(agent, side);
      std::snprintf(buf, sizeof buf,
                    "  exact as %c: wins %.2f%% · draws %.2f%% · losses %.2f%% (every game enumerated)\n", name,
                    100 * o.win, 100 * o.draw, 100 * o.loss);
    }
    out += buf;
  }
  return out;
}

}  // namespace torchlab::rl
