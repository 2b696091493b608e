# Vecgrad: set-up, build, tests, benchmarks. Every target installs what it needs (make deps).
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libhwloc-dev pkg-config
# Kernels are written for SIMD registers: without a -march the compiler splits SIMD16<Float> into
# SSE registers and FMA into fmaf calls (NOTES.md). Flags live here, not in Package.swift, so that
# other packages can depend on Vecgrad.
ARCH_FLAGS ?= -Xcc -march=native
RELEASE := swift build -c release $(ARCH_FLAGS)
BIN := $(shell swift build -c release $(ARCH_FLAGS) --show-bin-path 2>/dev/null || echo .build/release)
# OpenBLAS 0.3.21 picks its slow SSE3 kernels on these CPUs unless told its core before start-up.
OPENBLAS_CORE ?= SkylakeX
BENCH_ENV := OPENBLAS_CORETYPE=$(OPENBLAS_CORE)
SUITE ?= default
BASELINE ?= results/baseline-quick.csv

.PHONY: deps build test bench quick accuracy compare tutorial static anchors clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(RELEASE)

test: deps
	swift test $(ARCH_FLAGS)

# The PyTorch tutorials ported to Swift; its output must match what PyTorch printed.
tutorial: deps
	$(RELEASE) --product tutorial
	$(BIN)/tutorial | tee /tmp/vecgrad-tutorial.txt
	diff -u Benchmarks/tutorial.expected.txt /tmp/vecgrad-tutorial.txt && echo "tutorial output matches PyTorch's"

bench: build
	$(BENCH_ENV) $(BIN)/vecbench run --suite $(SUITE) --out results

quick: build
	$(BENCH_ENV) $(BIN)/vecbench run --suite quick --out results

accuracy: build
	$(BIN)/vecbench accuracy --out results

compare: build
	$(BIN)/vecbench compare $(BASELINE) $(CURRENT)

# A statically linked, stripped vecbench for x86 machines without Swift (the 16-core device):
# Swift's stdlib, OpenBLAS and hwloc linked in; needs only glibc, libstdc++ and libudev.so.1.
# x86-64-v4 (AVX-512) rather than native, so that the binary runs on other AVX-512 CPUs too.
STATIC_LIBS := .build-static-libs
static: deps
	mkdir -p $(STATIC_LIBS) static
	ln -sf /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a $(STATIC_LIBS)/libopenblas.a
	ln -sf /usr/lib/x86_64-linux-gnu/libhwloc.a $(STATIC_LIBS)/libhwloc.a
	swift build -c release -Xcc -march=x86-64-v4 --scratch-path .build-static --static-swift-stdlib \
	  -Xlinker -L$(CURDIR)/$(STATIC_LIBS) -Xlinker -lgfortran -Xlinker -l:libudev.so.1 --product vecbench
	cp .build-static/release/vecbench static/vecbench && strip static/vecbench
	ls -la static/vecbench

# PyTorch side by side: installs torch into .venv (optional, large) and runs the same suite with it.
anchors:
	[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q torch
	.venv/bin/python Benchmarks/torch_anchors.py --suite Benchmarks/$(SUITE).suite --out results

clean:
	rm -rf .build .build-*
