#!/usr/bin/env bash
# make bench: every workload, torchlab beside PyTorch Python, one table (also saved to bench/results/latest.json).
set -euo pipefail
build=${1:-build}
mkdir -p "$(dirname "$0")/results"
exec /usr/bin/python3 "$(dirname "$0")/run.py" "$build" --json "$(dirname "$0")/results/latest.json" "${@:2}"
