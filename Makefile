# veritor: the two commands a user needs are `make demo` and `make test`; both install what is
# missing first. build/ is always an optimised build; sanitizer and fuzz builds have their own trees.
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
B ?=
DEMO_DIR ?=

.PHONY: all deps build build-asan test demo bench fuzz clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVT_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)

test: build-asan
	cd build-asan && ctest --output-on-failure -j $(JOBS)

demo: build
	@DEMO_DIR="$(DEMO_DIR)" scripts/demo build/veritor

bench: build
	@scripts/run-bench build/bench "$(B)"

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DVT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@scripts/run-fuzz build-fuzz/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
