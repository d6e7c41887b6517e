#!/bin/sh
# Crash soak (make soak): char-rnn training that checkpoints every step is SIGKILLed at random moments KILLS times
# (default 1000), resumed after each kill; every resume must find a loadable checkpoint and every run that reaches
# its end must hold parameters bit-identical to an uninterrupted run's. The ctest version does 100 kills.
#   scripts/soak.sh [KILLS] [BUILD]     e.g. scripts/soak.sh 5000 build
# EPOCHS=N makes each run longer (default 4); SEED=N draws other kill moments.
set -eu
KILLS=${1:-1000}
BUILD=${2:-build}
cd "$(dirname "$0")/.."
[ -f "$BUILD/build.ninja" ] || [ -f "$BUILD/Makefile" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD" --target torchlab_cli test_text_cli
TORCHLAB_SOAK_KILLS=$KILLS TORCHLAB_SOAK_EPOCHS=${EPOCHS:-4} TORCHLAB_SOAK_SEED=${SEED:-$$} OMP_NUM_THREADS=1 \
  "$BUILD/tests/test_text_cli" --gtest_filter='CrashSoak.*'
