#!/usr/bin/env bash
# Runs the test programs of a sanitizer build (make test-sanitize) with the options of tests/sanitize/README.md.
#   tests/sanitize/run.sh BUILD_DIR AREA...
set -uo pipefail
build=${1:?build dir}
shift
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$here/ubsan.supp}
export OMP_NUM_THREADS=1 TORCHLAB_LOG_INTERVAL=1
status=0
for area in "$@"; do
  start=$(date +%s)
  "$build/tests/test_$area" --gtest_brief=1
  rc=$?
  echo "test_$area: exit $rc in $(( $(date +%s) - start )) s"
  [ $rc -eq 0 ] || status=1
done
exit $status
