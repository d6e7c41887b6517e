#include "torchlab/rl/play_session.h"

#include <istream>
#include <ostream>

namespace torchlab::rl {

SessionScore play_session(Player& agent, int8_t human_side, std::istream& in, std::ostream& out,
                          const std::function<std::string(const Board&)>& q_text, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HumanPlayer human(in, out, q_text);
  SessionScore score;
  const char you = side_char(human_side), it = side_char(static_cast<int8_t>(-human_side));
  out << "You play " << you << ", the " << agent.name() << " agent plays " << it << ". X moves first.\n";
  for (;;) {
    Board board;
    out << "\n";
    while (!board.over()) {
      int cell;
      if (board.to_move == human_side) {
        out << board.render();
        cell = human.choose(board, rng);
        if (cell < 0) {
          out << "Bye.\n";
          return score;
        }
      } else {
        cell = agent.choose(board, rng);
        out << "The agent (" << it << ") plays " << cell + 1 << ".\n";
      }
      board.play(cell);
    }
    ++score.games;
    out << board.render();
    const int8_t w = board.winner();
    if (w == human_side) {
      ++score.human_wins;
      out << "You win!";
    } else if (w != 0) {
      ++score.agent_wins;
      out << "The agent wins.";
    } else {
      ++score.draws;
      out << "Draw.";
    }
    out << "  (you " << score.human_wins << " · agent " << score.agent_wins << " · draws " << score.draws << ")\n"
        << "Play again? [Y/n] " << std::flush;
    std::string line;
    if (!std::getline(in, line)) {
      out << "\nBye.\n";
      return score;
    }
    if (!line.empty() && (line[0] == 'n' || line[0] == 'N' || line[0] == 'q')) {
      out << "Bye.\n";
      return score;
    }
  }
}

}  // namespace torchlab::rl
