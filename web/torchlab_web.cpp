// The WebAssembly side of an exported page: a C interface over the same C++ the native CLI runs (the kernels layer,
// the tic-tac-toe rules, the CartPole physics). The page's JavaScript owns the weights' memory; nothing here
// allocates per call.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "torchlab/rl/cartpole.h"
#include "torchlab/rl/tictactoe.h"

using namespace torchlab;

namespace {

rl::Board board_of(const int32_t* cells) {
  rl::Board b;
  int x = 0, o = 0;
  for (int k = 0; k < 9; ++k) {
    b.cells[k] = static_cast<int8_t>(cells[k]);
    x += cells[k] == 1;
    o += cells[k] == -1;
  }
  b.to_move = x == o ? rl::kX : rl::kO;
  return b;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE int tl_board_winner(const int32_t* cells) { return board_of(cells).winner(); }
EMSCRIPTEN_KEEPALIVE uint32_t tl_board_legal_mask(const int32_t* cells) { return board_of(cells).legal_mask(); }
EMSCRIPTEN_KEEPALIVE uint32_t tl_board_code(const int32_t* cells) { return board_of(cells).code(); }

EMSCRIPTEN_KEEPALIVE rl::CartPole* tl_cartpole_new() { return new rl::CartPole(); }
EMSCRIPTEN_KEEPALIVE void tl_cartpole_reset(rl::CartPole* env, uint64_t seed) {
  env->seed(seed);
  env->reset();
}
EMSCRIPTEN_KEEPALIVE int tl_cartpole_done(const rl::CartPole* env) { return env->done(); }
EMSCRIPTEN_KEEPALIVE double tl_cartpole_step(rl::CartPole* env, int action) { return env->step(action).reward; }
EMSCRIPTEN_KEEPALIVE void tl_cartpole_observe(const rl::CartPole* env, float* out) { env->observe(out); }

}  // extern "C"
