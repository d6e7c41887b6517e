# torchlab: `make demo` and `make test` are all a new user needs (they install what is missing first).
BUILD ?= build
TORCH ?= system
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

ifeq ($(TORCH),python)
  TORCH_PREFIX := -DCMAKE_PREFIX_PATH=$(shell python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  CUDA_FLAGS := $(shell python3 -c 'import torch;print("-DUSE_C10D_NCCL=ON" if torch.cuda.is_available() else "")')
endif
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all setup setup-test setup-bench configure build cli web demo test package bench soak format clean fuzz test-sanitize

all: build

setup:
	@scripts/setup.sh build
setup-test:
	@scripts/setup.sh test
setup-bench:
	@scripts/setup.sh bench

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(TORCH_PREFIX) $(CUDA_FLAGS) $(CMAKE_ARGS)

configure: $(BUILD)/$(if $(GENERATOR),build.ninja,Makefile)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The CLI and the libraries it links: no tests, no benchmarks (`make test` builds those).
cli: configure
	cmake --build $(BUILD) -j $(JOBS) --target torchlab_cli

# The WebAssembly side of `torchlab export --format web` (emscripten; `make test` installs it, `make demo` does not).
web: configure
	cmake --build $(BUILD) -j $(JOBS) --target web

demo: setup cli
	$(BUILD)/torchlab demo

# The suite, then each fuzz target for FUZZ_SECONDS and the parser areas core and finance under ASan+UBSan: all four
# parser areas take about 20 minutes to build instrumented on 2 cores, which CI's time does not hold
# (make test-sanitize SANITIZE_AREAS="core finance vision text" runs them).
CI_SANITIZE_AREAS ?= core finance
test: setup-test build web
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory test-sanitize SANITIZE_AREAS="$(CI_SANITIZE_AREAS)"

# The Debian packages torchlab and libtorchlab-dev in $(BUILD)/packages (cmake/packaging.cmake).
package: setup cli
	cd $(BUILD) && cpack -G DEB

# Reliability (tests/sanitize/README.md): libFuzzer targets built with clang, instrumented with ASan and UBSan, each
# run FUZZ_SECONDS on its seed corpus (or FUZZ_RUNS executions); the tests of SANITIZE_AREAS built with ASan+UBSan.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_RUNS ?=
FUZZ_TARGETS ?=
fuzz: setup-test
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || cmake -S . -B $(FUZZ_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DTORCHLAB_FUZZ=ON $(TORCH_PREFIX)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) "$(FUZZ_RUNS)" $(FUZZ_TARGETS)

SANITIZE_BUILD ?= build-sanitize
SANITIZE_AREAS ?= core finance vision text
test-sanitize: setup-test
	@test -f $(SANITIZE_BUILD)/CMakeCache.txt || cmake -S . -B $(SANITIZE_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DTORCHLAB_BENCH=OFF $(TORCH_PREFIX) \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target $(addprefix test_,$(SANITIZE_AREAS))
	tests/sanitize/run.sh $(SANITIZE_BUILD) $(SANITIZE_AREAS)

bench: setup-bench build
	bench/run.sh $(BUILD)

# SIGKILLs training KILLS times at random moments and checks every resume (scripts/soak.sh).
KILLS ?= 1000
soak: setup-test configure
	scripts/soak.sh $(KILLS) $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD)
