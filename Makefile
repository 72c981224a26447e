# Cinnabar: `make run` and `make test` are the two commands a new machine needs.
BUILD_DIR ?= build/release
ASAN_DIR ?= build/asan
FUZZ_DIR ?= build/fuzz
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= resp_parser config eval aof_manifest aof_reader rdb_load http_request command_keys acl_rules
DIFF_SECONDS ?= 600
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# A developer's ccache, when there is one, serves rebuilds in several worktrees; not a dependency.
ifneq ($(shell command -v ccache 2>/dev/null),)
CMAKE_FLAGS += -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
endif

.PHONY: all deps build run test test-unit test-integration test-asan bench bench-persistence fuzz clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: deps build
	$(BUILD_DIR)/cinnabar-server --bind 127.0.0.1 --port 6379

test: deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCINNABAR_SANITIZE=ON $(CMAKE_FLAGS)

test-asan: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 2

# Builds the libFuzzer targets with clang in $(FUZZ_DIR) and fuzzes each of FUZZ_TARGETS for
# FUZZ_SECONDS, from the seeds in tests/fuzz/corpus/<target>/ (see tests/fuzz/README.md);
# then runs the differential fuzzer against redis-server for DIFF_SECONDS with a fresh seed
# (printed first; see tests/diff/README.md).
fuzz: deps build
	for target in $(FUZZ_TARGETS); do \
	  JOBS=$(JOBS) tests/fuzz/run-fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $$target || exit 1; \
	done
	tests/diff/run --seconds $(DIFF_SECONDS) --server-bin $(BUILD_DIR)/cinnabar-server

bench: deps build
	bench/compare
	bench/pipelines

bench-persistence: deps build
	bench/persistence

clean:
	rm -rf build
