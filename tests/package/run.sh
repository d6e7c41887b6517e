#!/usr/bin/env bash
# torchlab as a user gets it. Usage: run.sh <build dir> <source dir> examples|debs
#   examples: `cmake --install` into a prefix, build every example against it (tests/package/all_examples), run each
#             and check its output.
#   debs:     cpack the two .deb files, check their Depends and lintian, unpack them into a root, run the CLI from
#             there and build examples/tensors against that root.
# Work goes to <build dir>/package-test/ (fixed paths, so ccache hits on a rerun). Exit 77 = skipped.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
part=$3
work=$build/package-test/$part
export LC_ALL=C

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "== $* ($(date +%T))"; }

# The configure settings of a project built against torchlab: the build's own libtorch, Ninja, ccache, Release.
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$(cache CMAKE_CXX_COMPILER)")
torch_dir=$(cache Torch_DIR)
[ -n "$torch_dir" ] && cmake_args+=(-DTorch_DIR="$torch_dir")
command -v ninja >/dev/null && cmake_args+=(-G Ninja)
if command -v ccache >/dev/null; then
  cmake_args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;CCACHE_BASEDIR=$build;ccache")
fi
configure_and_build() {  # <source> <build> <prefix path>
  cmake -S "$1" -B "$2" "${cmake_args[@]}" -DCMAKE_PREFIX_PATH="$3" >"$2.configure.log" 2>&1 ||
    { cat "$2.configure.log"; fail "configure $1 against $3"; }
  cmake --build "$2" -j 2 || fail "build $1 against $3"
}

expect_same() {  # <name> <file with the output> <expected text>
  if ! diff -u <(printf '%s\n' "$3") "$2"; then fail "$1: output differs from the seed's (above)"; fi
  echo "$1: output is the seed's"
}
TENSORS_OUT='  6
  2
  8
  2
 10
[ CPUIntType{5} ]'
GREEKS_OUT='price: 11.8049
delta: 0.5540, vega: 39.0554
gamma: 0.0130, vanna: 0.1953, volga: -2.9292'

run_examples() {
  local prefix=$work/prefix bin=$work/examples
  rm -rf "$work"
  mkdir -p "$work"
  step "install into $prefix"
  cmake --install "$build" --prefix "$prefix" >/dev/null
  # Public headers only: nothing from apps/ (CLI11) or tests/, and every torchlab include resolves inside the prefix.
  if grep -rlE '#include [<"](CLI/|gtest/|gmock/)' "$prefix/include"; then fail "installed headers include CLI11 or gtest"; fi
  local missing
  missing=$(grep -rhoE '#include "torchlab/[^"]+"' "$prefix/include" | sed 's/#include "//; s/"$//' | sort -u |
    while read -r h; do [ -f "$prefix/include/$h" ] || echo "$h"; done)
  [ -z "$missing" ] || fail "installed headers include headers that are not installed: $missing"
  [ -f "$prefix/lib/cmake/torchlab/torchlabConfig.cmake" ] || [ -n "$(find "$prefix" -name torchlabConfig.cmake)" ] ||
    fail "no torchlabConfig.cmake under $prefix"

  step "configure + build every example against $prefix"
  configure_and_build "$src/tests/package/all_examples" "$bin" "$prefix"
  if grep -qE "$build/(libtorchlab_|generated)|$src/src" "$bin"/CMakeFiles/*.ninja "$bin"/build.ninja 2>/dev/null; then
    fail "the examples reference torchlab's build or source tree, not the install"
  fi

  local run=$work/run
  mkdir -p "$run"
  cd "$run"
  step tensors
  "$bin/tensors/tensors" >tensors.out
  expect_same tensors tensors.out "$TENSORS_OUT"

  step greeks
  "$bin/greeks/greeks" >greeks.out
  expect_same greeks greeks.out "$GREEKS_OUT"

  step low_level_loop
  "$bin/low_level_loop/low_level_loop" | tee low_level_loop.out
  awk '/^step/ {loss[n++] = $4} END {if (n < 2 || !(loss[n-1] < loss[0] / 10)) exit 1; printf "loss %s -> %s\n", loss[0], loss[n-1]}' \
    low_level_loop.out || fail "low_level_loop: the loss did not fall tenfold"

  step char_rnn
  head -c 24000 "$src/README.md" >input.txt
  "$bin/char_rnn/char_rnn" input.txt >char_rnn.out 2>char_rnn.err || { cat char_rnn.err; fail "char_rnn failed"; }
  cat char_rnn.out
  awk '/^Epoch:/ {gsub(",", ""); loss[n++] = $4} END {if (n < 2 || !(loss[n-1] < loss[0])) exit 1}' char_rnn.out ||
    fail "char_rnn: the epoch loss did not fall"
  grep -q "^Epoch 1 " char_rnn.err || fail "char_rnn: no progress bar lines on stderr"
  local sample_bytes
  sample_bytes=$(awk 'f {print} /^Sample:$/ {f = 1}' char_rnn.out | head -c -1 | wc -c)
  [ "$sample_bytes" -eq 200 ] || fail "char_rnn: the sample has $sample_bytes bytes, not SAMPLE_LEN = 200"
  echo "char_rnn: loss falls, sample of 200 bytes"

  step custom_model
  "$bin/custom_model/custom_model" >custom_model.out 2>&1 || { cat custom_model.out; fail "custom_model failed"; }
  grep -vE '^(Epoch [0-9]+/|step |epoch [0-9]+ )' custom_model.out | head -40
  awk '/^Epoch: / {gsub(",", ""); loss[n++] = $4} END {if (n != 6 || !(loss[5] < loss[0])) exit 1}' custom_model.out ||
    fail "custom_model: expected 6 epoch lines with a falling loss"
  grep -q "^resumed at epoch 4, step " custom_model.out || fail "custom_model: did not resume at epoch 4"
  ls runs/custom_model/checkpoints/*.ckpt >/dev/null || fail "custom_model: no checkpoints"
  [ -s runs/custom_model/report.html ] || fail "custom_model: no report.html"
  awk '/^validation accuracy:/ {found = 1; if ($3 < 0.9) exit 1} END {if (!found) exit 1}' custom_model.out ||
    fail "custom_model: validation accuracy below 0.9"

  step dqn_ema
  "$bin/dqn_ema/dqn_ema" | tee dqn_ema.out
  [ -s dqn_ema.ckpt ] || fail "dqn_ema: no model file"
  # A random player wins about 44 % of its games against another random one (58 % as X, 29 % as O).
  awk '/^win rate vs random:/ {gsub("[%,]", ""); found = 1; if ($5 < 75 || $8 > 10) exit 1} END {if (!found) exit 1}' \
    dqn_ema.out || fail "dqn_ema: does not beat the random player (win rate >= 75 %, losses <= 10 %)"

  step qlearning
  "$bin/qlearning/qlearning" | tee qlearning.out
  awk '/^shortest paths:/ {split($3, a, "/"); found = 1; if (a[1] != a[2]) exit 1} END {if (!found) exit 1}' \
    qlearning.out || fail "qlearning: the greedy policy does not walk shortest paths from every cell"
  step torchscript_infer
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    # PyTorch scripts and saves a model with a labels attribute and writes a colour image and the expected top 3.
    # (from a file: torch.jit.script reads the class's source)
    cat >make_model.py <<'PY'
import torch

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 4)
        self.labels = ["red", "green", "blue", "grey"]

    def forward(self, x):
        return self.fc(x.mean([2, 3]))

torch.manual_seed(0)
net = torch.jit.script(Net())
net.save("net.pt")
w, h = 6, 4
pixels = bytes((30 * i + 71 * c) % 256 for i in range(w * h) for c in range(3))  # RGB, row-major
open("image.ppm", "wb").write(b"P6\n%d %d\n255\n" % (w, h) + pixels)
x = torch.tensor(list(pixels), dtype=torch.float32).reshape(h, w, 3).permute(2, 0, 1).unsqueeze(0) / 255
p = torch.softmax(net(x).double(), 1)[0]
with open("expected.txt", "w") as f:
    for i in torch.argsort(p, descending=True)[:3].tolist():
        f.write("class %d %s %.6f\n" % (i, net.labels[i], p[i]))
PY
    /usr/bin/python3 make_model.py
    "$bin/torchscript_infer/torchscript_infer" net.pt image.ppm | tee torchscript_infer.out
    tail -n 3 torchscript_infer.out | diff - expected.txt || fail "torchscript_infer: not PyTorch's top 3"
  else
    echo "torchscript_infer: skipped (no python3-torch to write the model)"
  fi
  step "all examples pass"
}

run_debs() {
  command -v cpack >/dev/null && command -v dpkg-deb >/dev/null || { echo "no cpack/dpkg-deb: skipped"; exit 77; }
  local debs=$work/debs root=$work/root
  rm -rf "$work"
  mkdir -p "$work"
  step "cpack -G DEB"
  cpack -G DEB --config "$build/CPackConfig.cmake" -B "$debs" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail cpack; }
  local cli dev
  cli=$(ls "$debs"/torchlab_*.deb) && dev=$(ls "$debs"/libtorchlab-dev_*.deb) || fail "expected torchlab_*.deb and libtorchlab-dev_*.deb"
  local version
  version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
  for deb in "$cli" "$dev"; do
    echo "$(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
    [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb: version is not $version"
    dpkg-deb -f "$deb" Depends | grep -q "libopenblas0-openmp" || fail "$deb: no dependency on libopenblas0-openmp"
    dpkg-deb -f "$deb" Depends | grep -q "libtorch" || fail "$deb: no dependency on libtorch"
    # Each dependency (first of each alternative) is a package this machine knows and has installed.
    for p in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g'); do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fail "$deb: depends on $p, not installed here"
    done
  done
  if command -v lintian >/dev/null; then
    step lintian
    lintian --no-tag-display-limit "$cli" "$dev" >"$work/lintian.log" 2>&1 || true
    cat "$work/lintian.log"
    if grep -q '^E: ' "$work/lintian.log"; then fail "lintian reports errors"; fi
    echo "lintian: $(grep -c '^E: ' "$work/lintian.log") errors, $(grep -c '^W: ' "$work/lintian.log") warnings"
  fi

  step "unpack into $root"
  dpkg -x "$cli" "$root"
  dpkg -x "$dev" "$root"
  "$root/usr/bin/torchlab" info | tee "$work/info.out"
  grep -q "^torchlab *$version " "$work/info.out" || fail "torchlab info does not report $version"
  [ "$("$root/usr/bin/torchlab" --version)" = "torchlab $version" ] || fail "torchlab --version is not $version"

  step "build examples/tensors against $root/usr"
  configure_and_build "$src/examples/tensors" "$work/tensors" "$root/usr"
  "$work/tensors/tensors" >"$work/tensors.out"
  expect_same "tensors (from the .deb)" "$work/tensors.out" "$TENSORS_OUT"
  step "the packages pass"
}

case $part in
  examples) run_examples ;;
  debs) run_debs ;;
  *) fail "unknown part $part (examples|debs)" ;;
esac
