#include "torchlab/rl/players.h"

#include <cstdio>
#include <istream>
#include <ostream>

#include "torchlab/rl/dqn_agent.h"
#include "torchlab/rl/minimax.h"

namespace torchlab::rl {
namespace {

int random_bit(uint32_t mask, std::mt19937_64& rng) {
  const int count = __builtin_popcount(mask);
  if (count == 0) return -1;
  int pick = std::uniform_int_distribution<int>(0, count - 1)(rng);
  for (int a = 0;; ++a)
    if ((mask >> a & 1u) && pick-- == 0) return a;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

int RandomPlayer::choose(const Board& board, std::mt19937_64& rng) { return random_bit(board.legal_mask(), rng); }

int MinimaxPlayer::choose(const Board& board, std::mt19937_64& rng) {
  return random_bit(minimax_best_moves(board), rng);
}

int TabularPlayer::choose(const Board& board, std::mt19937_64& rng) {
  auto it = table_.find(TttState{board});
  const uint32_t legal = board.legal_mask();
  int best = -1;
  double best_v = 0;
  if (it != table_.end())
    for (const auto& [a, v] : it->second)
      if ((legal >> a & 1u) && (best < 0 || v > best_v || (v == best_v && a < best))) best = a, best_v = v;
  if (best >= 0) return best;
  ++unseen_;
  return random_bit(legal, rng);
}

int DqnPlayer::choose(const Board& board, std::mt19937_64&) {
  float obs[9];
  board.features(obs);
  return agent_.greedy_action(obs, board.legal_mask());
}

int HumanPlayer::choose(const Board& board, std::mt19937_64&) {
  for (;;) {
    out_ << "Your move as " << side_char(board.to_move) << " (1-9" << (values_ ? ", q = agent's Q-values" : "")
         << ", Ctrl-D quits): " << std::flush;
    std::string line;
    if (!std::getline(in_, line)) {
      out_ << "\n";
      return -1;
    }
    line = trim(line);
    if (values_ && (line == "q" || line == "Q" || line == "?")) {
      out_ << values_(board);
      continue;
    }
    if (line.size() == 1 && line[0] >= '1' && line[0] <= '9') {
      const int cell = line[0] - '1';
      if (board.legal(cell)) return cell;
      out_ << "Cell " << line << " is taken by " << side_char(board.cells[cell]) << "; pick an empty cell.\n";
      continue;
    }
    bool digits = !line.empty() && line.find_first_not_of("+-0123456789") == std::string::npos;
    out_ << (digits ? "There is no cell " + line + "; type a number from 1 to 9.\n"
                    : "\"" + line + "\" is not a cell; type a number from 1 to 9.\n");
  }
}

std::string format_q_grid(const Board& board, const float* q) {
  std::string out;
  char buf[32];
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      const int k = 3 * r + c;
      if (board.legal(k))
        std::snprintf(buf, sizeof buf, "%+6.3f", static_cast<double>(q[k]));
      else
        std::snprintf(buf, sizeof buf, "%6s", "-");
      out += buf;
      out += c < 2 ? " |" : "\n";
    }
  }
  return out;
}

std::string MatchResult::summary() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "wins %lld (%.1f%%) · draws %lld (%.1f%%) · losses %lld (%.1f%%)",
                static_cast<long long>(wins), pct(wins), static_cast<long long>(draws), pct(draws),
                static_cast<long long>(losses), pct(losses));
  return buf;
}

std::optional<int8_t> play_game(Player& x, Player& o, std::mt19937_64& rng,
                                const std::function<void(const Board&, int)>& on_move) {
  Board board;
  while (!board.over()) {
    Player& mover = board.to_move == kX ? x : o;
    const int cell = mover.choose(board, rng);
    if (cell < 0) return std::nullopt;
    board.play(cell);
    if (on_move) on_move(board, cell);
  }
  return board.winner();
}

MatchResult play_match(Player& agent, Player& opponent, int8_t side, int64_t games, std::mt19937_64& rng) {
  MatchResult r;
  for (int64_t g = 0; g < games; ++g) {
    auto w = side == kX ? play_game(agent, opponent, rng) : play_game(opponent, agent, rng);
    if (!w) break;
    if (*w == 0)
      ++r.draws;
    else if (*w == side)
      ++r.wins;
    else
      ++r.losses;
  }
  return r;
}

}  // namespace torchlab::rl
