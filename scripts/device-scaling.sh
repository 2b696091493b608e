#!/usr/bin/env bash
# Thread scaling and pinning on a many-core x86 machine without Swift (AVX-512): unpacks the
# `make static` build (static/vecbench.xz: built on a machine with Swift, git-ignored, so copy
# static/ over with the repository), prints the topology, calibrates and runs
# Benchmarks/scaling.suite. Everything lands in one archive, OUT/scaling.tgz (OUT from the
# environment, else ./device-results), with the console log beside it.
#   make static                               # where Swift is
#   bash scripts/device-scaling.sh            # on the many-core machine, from the repository root
set -u
if [ ! -s static/vecbench.xz ]; then
  echo "static/vecbench.xz is missing: run make static (on a machine with Swift) and copy static/ here" >&2
  exit 2
fi
OUT=${OUT:-device-results}
mkdir -p "$OUT"
exec > >(tee "$OUT/device.log") 2>&1
work=$(mktemp -d)
res=$work/results
mkdir -p "$res"
if command -v xz >/dev/null; then xz -dc static/vecbench.xz > "$work/vecbench"
else python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' static/vecbench.xz > "$work/vecbench"
fi || { echo "could not unpack static/vecbench.xz" >&2; exit 2; }
chmod +x "$work/vecbench"
V=$work/vecbench
lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Core|Socket|NUMA|L1d|L2|L3' || true
if ! grep -q avx512f /proc/cpuinfo; then echo "no AVX-512 here: make static builds for x86-64-v4"; exit 3; fi
"$V" topology --threads "$(nproc)"
# The harness picks OpenBLAS's core itself; the suite's cases record it.
timeout "${CALIBRATE_S:-90}" "$V" calibrate --out "$res"
timeout "${SUITE_S:-420}" "$V" run --suite Benchmarks/scaling.suite --rounds "${ROUNDS:-3}" \
  --out "$res" --no-history --no-progress
echo "run rc=$?"
tar -C "$work" -czf "$OUT/scaling.tgz" results
ls -la "$OUT"
