#!/usr/bin/env bash
# Builds torchlab against the libtorch inside a pip PyTorch (CUDA) install, as on the lent GPU machine. Header-only
# dependencies that machine lacks travel in .deps/ (see scripts/gpu-deps.sh). Usage: scripts/gpu-build.sh BUILD_DIR [targets...]
set -euo pipefail
build=${1:-build-cuda}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
nccl_inc=$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "include"))' 2>/dev/null || true)
extra="-isystem $root/.deps/include"
[ -n "$nccl_inc" ] && extra="$extra -isystem $nccl_inc"
zlib=$(ls /usr/lib/x86_64-linux-gnu/libz.so* 2>/dev/null | head -1)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$prefix;$root/.deps" \
  -DTORCHLAB_GTEST_SOURCE="$root/.deps/googletest" -DZLIB_INCLUDE_DIR="$root/.deps/include" -DZLIB_LIBRARY="$zlib" \
  -DUSE_C10D_NCCL=ON -DCMAKE_CXX_FLAGS="$extra"
cmake --build "$build" -j "$(nproc)" ${1:+--target "$@"} -- -k 0  # -k 0: every error in one pass
