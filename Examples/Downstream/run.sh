#!/usr/bin/env bash
# Builds this downstream package twice, without flags (what a dependency gets by default) and with
# -Xcc -march=native, and times matmul 512x512 in each. Fails unless the unflagged build falls back
# to OpenBLAS (prints the warning, auto uses OpenBLAS) and runs within FACTOR (default 2) of the
# flagged one. Each build compiles Vecgrad's library targets in release mode (a few minutes).
set -euo pipefail
cd "$(dirname "$0")"
FACTOR=${FACTOR:-2}
# OpenBLAS's own CPU detection can pick slow kernels on these VMs (docs/measurements.md, "OpenBLAS
# kernel selection"): use the core that vecbench would pick, when the caller names one.
if [ -n "${OPENBLAS_CORE:-}" ]; then export OPENBLAS_CORETYPE=$OPENBLAS_CORE; fi
swift build -c release --scratch-path .build-plain
swift build -c release --scratch-path .build-native -Xcc -march=native
plain=$(.build-plain/release/Downstream 2>/tmp/downstream-plain.err)
native=$(.build-native/release/Downstream 2>/tmp/downstream-native.err)
echo "== without flags"; echo "$plain"; cat /tmp/downstream-plain.err
echo "== -Xcc -march=native"; echo "$native"; cat /tmp/downstream-native.err
ms() { sed -n 's/^matmul [0-9x]*: \([0-9.]*\) ms.*/\1/p' <<<"$1"; }
python3 - "$(ms "$plain")" "$(ms "$native")" "$FACTOR" "$plain" "$(cat /tmp/downstream-plain.err)" <<'PY'
import sys
plain, native, factor, out, err = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
ratio = plain / native
print(f"unflagged / flagged: {ratio:.2f}x (limit {factor}x)")
ok = True
if "compiled: AVX-512" not in out and "auto uses OpenBLAS: true" not in out:
    print("FAIL: the unflagged build neither matches the machine nor falls back to OpenBLAS"); ok = False
if "auto uses OpenBLAS: true" in out and "swift build -c release -Xcc -march=native" not in err:
    print("FAIL: the fallback did not print the build warning on stderr"); ok = False
if ratio > factor:
    print(f"FAIL: unflagged build {ratio:.2f}x slower than the flagged one"); ok = False
sys.exit(0 if ok else 1)
PY
