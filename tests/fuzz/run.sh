#!/usr/bin/env bash
# Runs every fuzz target of a TORCHLAB_FUZZ build on its seed corpus and prints a table; exits 1 on any crash.
#   tests/fuzz/run.sh BUILD_DIR SECONDS [RUNS] [TARGET...]
# SECONDS: time per target (-max_total_time); RUNS (optional, non-empty): also stop after RUNS executions.
# New inputs go to a temporary corpus per run, so tests/fuzz/corpus/ stays as committed; a crashing input is kept
# in BUILD_DIR/fuzz-artifacts/<target>/. FUZZ_TIMEOUT (seconds, default 25) is the limit for one input: raise it for a
# campaign at low priority on a busy machine, where a starved process can stall on one input for long.
set -uo pipefail
build=${1:?build dir}
seconds=${2:-30}
runs=${3:-}
shift $(( $# < 3 ? $# : 3 ))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$here"/targets/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
# libtorch is not instrumented: see tests/sanitize/README.md for why each option is set.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
rows=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (build with make fuzz)" >&2
    status=1
    continue
  fi
  max_len=$(sed -n 's|^// fuzz-max-len: *\([0-9]*\).*|\1|p' "$here/targets/$t.cpp")
  mkdir -p "$work/$t" "$build/fuzz-artifacts/$t"
  limit=(-max_total_time="$seconds")
  [ -n "$runs" ] && limit+=(-runs="$runs")
  echo "== fuzz_$t ($seconds s${runs:+ or $runs runs}, max_len ${max_len:-default})"
  "$bin" "${limit[@]}" ${max_len:+-max_len=$max_len} -rss_limit_mb=4096 -timeout="${FUZZ_TIMEOUT:-25}" -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$t/" "$work/$t" "$here/corpus/$t" >"$work/$t.log" 2>&1
  rc=$?
  tail -n 25 "$work/$t.log" | grep -E "ERROR|SUMMARY|Test unit written|==[0-9]+==" | head -n 8
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -n 1)
  crashes=0
  if [ $rc -ne 0 ]; then
    crashes=1
    status=1
    cp "$work/$t.log" "$build/fuzz-artifacts/$t/last.log"
    echo "fuzz_$t failed (exit $rc); log: $build/fuzz-artifacts/$t/last.log"
  fi
  rows+=("$(printf '%-12s %12s %10s %8s' "$t" "${execs:-?}" "${speed:-?}" "$crashes")")
done
printf '\n%-12s %12s %10s %8s\n' target executions exec/s crashes
printf '%s\n' "${rows[@]}"
exit $status
