# Vecgrad: set-up, build, tests, benchmarks. Every target installs what it needs (make deps).
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libhwloc-dev pkg-config libgfortran-12-dev libsqlite3-dev
# Kernels are written for SIMD registers: without a -march the compiler splits SIMD16<Float> into
# SSE registers and FMA into fmaf calls (docs/measurements.md). Flags live here, not in Package.swift, so that
# other packages can depend on Vecgrad.
ARCH_FLAGS ?= -Xcc -march=native
RELEASE := swift build -c release $(ARCH_FLAGS)
BIN := $(shell swift build -c release $(ARCH_FLAGS) --show-bin-path 2>/dev/null || echo .build/release)
# vecbench picks OpenBLAS's best kernel set for this CPU itself (re-executing when the environment
# says otherwise); OPENBLAS_CORE=NAME forces one.
OPENBLAS_CORE ?=
BENCH_FLAGS := $(if $(OPENBLAS_CORE),--openblas-core $(OPENBLAS_CORE))
SUITE ?= default
BASELINE ?= results/baseline-quick.csv

.PHONY: deps build test tsan bench quick docs accuracy compare tutorial train mnist static anchor-python anchors anchor-accuracy side-by-side report clean

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

# The training program (MLP 784-1024-1024-1024-10, batch 512, SGD) in Vecgrad and in PyTorch, run
# back to back at 1 and 2 threads: median step time and peak resident memory growth side by side,
# and the step's matrix-product GFLOP/s (against the FMA peak of `vecbench calibrate`, the floor).
# TORCH_PYTHON: a Python with torch (make anchors installs one into .venv).
TORCH_PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)
TRAIN_FLAGS ?= --steps 20 --warmup 3
train: deps
	$(RELEASE) --product train-mlp
	@for t in 1 2; do \
	  v=$$($(BIN)/train-mlp --threads $$t $(TRAIN_FLAGS)) || exit 1; echo "$$v"; \
	  p=$$($(TORCH_PYTHON) Benchmarks/train_mlp.py --threads $$t $(TRAIN_FLAGS) 2>/dev/null) || exit 1; echo "$$p"; \
	  echo "$$v" "$$p" | awk -v t=$$t '{ for (i = 1; i <= NF; i++) { split($$i, kv, "="); \
	    if (kv[1] == "median_step_ms") s[++n] = kv[2]; if (kv[1] == "mem_growth_mb") m[++k] = kv[2]; \
	    if (kv[1] == "matmul_gflop") g = kv[2] } \
	    printf "threads=%d  median step: vecgrad %.1f ms, pytorch %.1f ms (vecgrad %.2fx as fast)", t, s[1], s[2], s[2] / s[1]; \
	    printf "   memory growth: vecgrad %.1f MB, pytorch %.1f MB\n", m[1], m[2]; \
	    printf "           matrix products %.2f GFLOP per step: vecgrad %.1f GFLOP/s, pytorch %.1f GFLOP/s over the whole step\n", g, g * 1000 / s[1], g * 1000 / s[2] }'; \
	done

# Real data: trains on scikit-learn's handwritten digits (Examples/Data/digits.npy.gz, 1797 8x8
# images; not MNIST itself, which is too large to commit, but the target the issue names): softmax
# regression and an MLP 64-128-10, SGD with batch 64, in Vecgrad (digits) and in PyTorch
# (Benchmarks/digits.py) with the same split, batches and initial weights. Per epoch, side by side:
# test accuracy, seconds per epoch (training only) and mean training loss.
DIGITS_FLAGS ?=
mnist: deps
	$(RELEASE) --product digits
	@v=$$($(BIN)/digits $(DIGITS_FLAGS)) || exit 1; \
	p=$$($(TORCH_PYTHON) Benchmarks/digits.py $(DIGITS_FLAGS)) || exit 1; \
	paste -d' ' <(echo "$$v") <(echo "$$p") | awk ' \
	  function field(name, i) { for (i = 1; i <= NF; i++) if (index($$i, name "=") == 1) return substr($$i, length(name) + 2) } \
	  BEGIN { printf "%-8s %5s  %-17s  %-17s  %-15s\n", "model", "epoch", "test acc vg / pt", "s/epoch vg / pt", "loss vg / pt" } \
	  { n = NF / 2; split($$0, w, " "); v = ""; p = ""; for (i = 1; i <= n; i++) { v = v " " w[i]; p = p " " w[i + n] } \
	    $$0 = v; m = field("model"); e = field("epoch"); va = field("test_acc"); vs = field("epoch_s"); vl = field("loss"); \
	    $$0 = p; pa = field("test_acc"); ps = field("epoch_s"); pl = field("loss"); \
	    printf "%-8s %5d  %.4f / %.4f  %7.4f / %7.4f  %.4f / %.4f\n", m, e, va, pa, vs, ps, vl, pl; \
	    if (!(m in acc)) names[++k] = m; acc[m] = sprintf("%.4f / %.4f", va, pa); tv[m] += vs; tp[m] += ps; cnt[m]++ } \
	  END { for (j = 1; j <= k; j++) { m = names[j]; printf "%s: final test accuracy vecgrad / pytorch %s, mean s/epoch %.4f / %.4f (vecgrad %.2fx as fast)\n", \
	    m, acc[m], tv[m] / cnt[m], tp[m] / cnt[m], tp[m] / tv[m] } }'

# The main job: calibrate this machine (cached), run the suite, write results/ (CSV, JSON, SVGs).
bench: build
	$(BIN)/vecbench calibrate --out results $(BENCH_FLAGS)
	$(BIN)/vecbench run --suite $(SUITE) --out results $(BENCH_FLAGS)
	$(BIN)/vecbench plot --activations --out results/plots

quick: build
	$(BIN)/vecbench run --suite quick --out results --no-progress $(BENCH_FLAGS)

# The DocC archives of the library targets into .build/docc; a broken symbol reference fails. With
# make test's flags, so that after it only the symbol graphs are extracted (26 s on the shared 2-vCPU
# machine, where without the flags the debug build was compiled again: ~2 minutes).
DOC_TARGETS := VecPlatform VecKernels Vecgrad VecBench VecBenchHistory
docs: deps
	mkdir -p .build/docc
	swift package $(ARCH_FLAGS) --allow-writing-to-directory .build/docc generate-documentation --warnings-as-errors \
	    $(addprefix --target ,$(DOC_TARGETS)) --output-path .build/docc

accuracy: build
	$(BIN)/vecbench accuracy --out results

CURRENT ?= results/quick.csv
# A gate where the baseline was measured on this kind of machine, a report elsewhere.
COMPARE_FLAGS ?= --advisory-on-other-machine
compare: build
	$(BIN)/vecbench compare $(BASELINE) $(CURRENT) $(COMPARE_FLAGS)

# A statically linked, stripped vecbench for x86 machines without Swift (the 16-core device):
# Swift's stdlib, OpenBLAS (with libgfortran) and hwloc linked in; it needs only glibc, libstdc++
# and libudev.so.1. Our own pkg-config files point SwiftPM at a folder that holds only the static
# archives, so the linker cannot pick the shared ones. x86-64-v4 (AVX-512) rather than native, so
# that the binary also runs on other AVX-512 CPUs.
STATIC_LIBS := $(CURDIR)/.build-static-libs
GCC_LIBS := $(shell dirname $$(gcc -print-libgcc-file-name 2>/dev/null) 2>/dev/null)
static: deps
	mkdir -p $(STATIC_LIBS)/pkgconfig static
	ln -sf /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a $(STATIC_LIBS)/libopenblas.a
	ln -sf /usr/lib/x86_64-linux-gnu/libhwloc.a $(STATIC_LIBS)/libhwloc.a
	# GRDB links -lsqlite3: the archive here is found before the shared library in the system folder.
	ln -sf /usr/lib/x86_64-linux-gnu/libsqlite3.a $(STATIC_LIBS)/libsqlite3.a
	ln -sf $(GCC_LIBS)/libgfortran.a $(STATIC_LIBS)/libgfortran.a
	ln -sf $(GCC_LIBS)/libquadmath.a $(STATIC_LIBS)/libquadmath.a
	printf 'Name: openblas\nDescription: static\nVersion: 0\nCflags: -I/usr/include/x86_64-linux-gnu/openblas-pthread\nLibs: -L$(STATIC_LIBS) -lopenblas -lgfortran -lquadmath -lm -lpthread\n' > $(STATIC_LIBS)/pkgconfig/openblas.pc
	printf 'Name: hwloc\nDescription: static\nVersion: 0\nCflags:\nLibs: -L$(STATIC_LIBS) -lhwloc -l:libudev.so.1 -lm -lpthread\n' > $(STATIC_LIBS)/pkgconfig/hwloc.pc
	PKG_CONFIG_PATH=$(STATIC_LIBS)/pkgconfig swift build -c release -Xcc -march=x86-64-v4 \
	  --scratch-path .build-static --static-swift-stdlib --product vecbench
	cp .build-static/release/vecbench static/vecbench && strip static/vecbench
	# Foundation's ICU data (pulled in by the CSV library) keeps the binary above the device's
	# 64 MiB carry limit: carry static/vecbench.xz and unpack it there (xz -d).
	xz -9 -k -f -T0 static/vecbench
	ldd static/vecbench; ls -la static/

# PyTorch side by side: installs torch into .venv (optional, large) and runs the same suite with it;
# then JAX on the suite's unary rows, where jax installs (results/jax-SUITE.csv).
# PyTorch (and JAX, when it installs) on the same suite, same CSV schema. The elementwise ops'
# PyTorch calls, input ranges and cost models come from the op records (vecbench ops --json).
anchors: build anchor-python
	mkdir -p results && $(BIN)/vecbench ops --json > results/ops.json
	.venv/bin/python Benchmarks/torch_anchors.py --suite Benchmarks/$(SUITE).suite --out results --ops results/ops.json
	if .venv/bin/pip install -q jax; then \
	  .venv/bin/python Benchmarks/jax_anchors.py --suite Benchmarks/$(SUITE).suite --out results --ops results/ops.json; \
	else \
	  echo "anchors: jax did not install into .venv, JAX anchors skipped"; \
	fi

# PyTorch's and JAX's accuracy on vecbench accuracy's own sweeps and references, beside ours (the
# accuracy each side of a speed ratio bought): results/anchor-accuracy.csv.
anchor-accuracy: build anchor-python
	mkdir -p results && $(BIN)/vecbench ops --json > results/ops.json
	$(BIN)/vecbench accuracy --export-anchor-inputs results/anchor-accuracy
	.venv/bin/pip install -q numpy
	.venv/bin/pip install -q jax || echo "anchor-accuracy: jax did not install into .venv, JAX left out"
	.venv/bin/python Benchmarks/anchor_accuracy.py --dir results/anchor-accuracy --ops results/ops.json
	$(BIN)/vecbench accuracy --anchors results/anchor-accuracy --out results

# .venv with PyTorch (optional, large) for the anchors; JAX is installed where it can be.
anchor-python:
	[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q torch

# vecbench, PyTorch and JAX in ROUNDS rotating rounds, each round in groups of four suite lines
# that every side runs in turn, each side's rounds merged per case (Benchmarks/interleave.py):
# side-by-side ratios that one busy minute does not decide.
ROUNDS ?= 3
side-by-side: build anchor-python
	.venv/bin/python -c "import jax" 2>/dev/null || .venv/bin/pip install -q jax || echo "side-by-side: jax did not install, JAX left out"
	$(BIN)/vecbench calibrate --out results $(BENCH_FLAGS)
	.venv/bin/python Benchmarks/interleave.py --suite Benchmarks/$(SUITE).suite --out results --rounds $(ROUNDS) --vecbench $(BIN)/vecbench
	$(BIN)/vecbench compare results/torch-$(SUITE).csv results/$(SUITE).csv --baseline-variant torch \
	  --current-variant auto --ignore-pinning --allow-missing --advisory

# The report page results/index.html (vecbench report) and its screenshot results/index.png in
# headless Chromium, which this target alone installs (make test skips the browser test without it).
report: APT_PACKAGES += chromium
report: build
	$(BIN)/vecbench report results
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,3000 \
	  --screenshot=$(CURDIR)/results/index.png file://$(CURDIR)/results/index.html 2>/dev/null

# The concurrency tests under ThreadSanitizer (thread pool, buffer pool, autograd from many tasks, the
# default random generator), in a build folder of their own. Not in CI: a whole TSan build takes ~10
# minutes on the shared 2-vCPU machine. Locks are NSLock where TSan must see them (it does not see
# Synchronization's Mutex).
TSAN_TESTS ?= VecPlatformTests|AutogradTests|RandomStreamTests|AllocationCountTests|GradientSharingTests
TSAN_BUILD ?= .build-tsan
tsan: deps
	swift build --build-tests --sanitize=thread $(ARCH_FLAGS) --scratch-path $(TSAN_BUILD)
	set -o pipefail; swift test --skip-build --sanitize=thread $(ARCH_FLAGS) --scratch-path $(TSAN_BUILD) \
	  --filter '$(TSAN_TESTS)' 2>&1 | tee /tmp/vecgrad-tsan.txt
	! grep -q "WARNING: ThreadSanitizer" /tmp/vecgrad-tsan.txt

clean:
	rm -rf .build .build-*
