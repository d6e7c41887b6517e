#!/usr/bin/env bash
# Copies the header-only dependencies and googletest's source from this Debian machine into .deps/ (git-ignored), to
# travel to a GPU machine that has pip PyTorch but not Debian's -dev packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/.deps/include" "$root/.deps/share/cmake"
cp -r /usr/include/nlohmann /usr/include/CLI /usr/include/zlib.h /usr/include/zconf.h "$root/.deps/include/"
cp -r /usr/share/cmake/nlohmann_json "$root/.deps/share/cmake/"
rm -rf "$root/.deps/googletest" && cp -r /usr/src/googletest "$root/.deps/googletest"
grep -qx '/.deps/' "$root/.git/info/exclude" 2>/dev/null || echo '/.deps/' >>"$root/.git/info/exclude"
