#!/usr/bin/env bash
# Builds this downstream package without flags (what a dependency gets by default) and times
# matmul 512x512 on one thread against a build with -Xcc -march=native. Fails unless the unflagged
# build falls back to OpenBLAS (auto uses OpenBLAS, the warning printed once on stderr) and runs
# within FACTOR (default 2) of the flagged one, and unless its accuracy spot checks (tanh, sigmoid
# and gelu values and derivatives where the flagless kernels once lost digits) are within 4 ulp and
# every row of `vecbench accuracy` (every op, float32 and float64, forward, backward, gradcheck)
# passes in this build.
#   Examples/Downstream/run.sh                      both builds here (each compiles Vecgrad's library
#                                                   targets in release mode)
#   VECBENCH=.build/release/vecbench Examples/Downstream/run.sh
#                                                   the flagged figure from an existing `make build`
#                                                   (vecbench's matmul case, auto, 1 thread): one build
#   Examples/Downstream/run.sh --build-only         only the unflagged build (CI runs it beside the
#                                                   flagged one: each compiles one module at a time)
set -euo pipefail
FACTOR=${FACTOR:-2}
if [ -n "${VECBENCH:-}" ]; then VECBENCH=$(cd "$(dirname "$VECBENCH")" && pwd)/$(basename "$VECBENCH"); fi
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# SwiftPM reuses a dependency's cached build plan when only its source files changed (a file added
# to Vecgrad was left out): drop the plans, so that each run compiles the checkout as it is.
rm -f .build-plain/release/description.json .build-plain/release.yaml .build-native/release/description.json \
    .build-native/release.yaml
start=$(date +%s)
swift build -c release --scratch-path .build-plain
echo "unflagged build: $(( $(date +%s) - start )) s"
if [ "${1:-}" = --build-only ]; then exit 0; fi
plain=$(.build-plain/release/Downstream 2>"$tmp/plain.err") || { rc=$?; echo "$plain"; cat "$tmp/plain.err"; echo "the unflagged Downstream exited with $rc"; exit $rc; }
echo "== without flags"; echo "$plain"; cat "$tmp/plain.err"
plain_ms=$(sed -n 's/^matmul [0-9x]*: \([0-9.]*\) ms.*/\1/p' <<<"$plain")
if [ -n "${VECBENCH:-}" ]; then
    "$VECBENCH" run --case 'op=matmul shapes=512x512;512x512 variants=auto threads=1' --out "$tmp/vb" --no-progress >/dev/null
    native_ms=$(python3 -c "import csv,glob; r=next(csv.DictReader(open(glob.glob('$tmp/vb/*.csv')[0]))); print(float(r['median_ns'])/1e6)")
    echo "== flagged (vecbench, auto, 1 thread): matmul 512x512: $native_ms ms"
else
    start=$(date +%s)
    swift build -c release --scratch-path .build-native -Xcc -march=native
    echo "flagged build: $(( $(date +%s) - start )) s"
    native=$(.build-native/release/Downstream 2>"$tmp/native.err")
    echo "== -Xcc -march=native"; echo "$native"; cat "$tmp/native.err"
    native_ms=$(sed -n 's/^matmul [0-9x]*: \([0-9.]*\) ms.*/\1/p' <<<"$native")
fi
python3 - "$plain_ms" "$native_ms" "$FACTOR" "$plain" "$(cat "$tmp/plain.err")" <<'PY'
import sys
plain, native, factor, out, err = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
ratio = plain / native
print(f"unflagged / flagged: {ratio:.2f}x (limit {factor}x)")
ok = True
if "auto uses OpenBLAS: true" in out:
    if err.count("swift build -c release -Xcc -march=native") != 1:
        print("FAIL: the fallback did not print the build warning on stderr exactly once"); ok = False
elif "compiled: AVX-512" not in out:
    print("FAIL: the unflagged build is below the machine but does not fall back to OpenBLAS"); ok = False
if "accuracy spot checks: all within 4 ulp" not in out:
    print("FAIL: the unflagged build's values or derivatives are more than 4 ulp off (lines 'accuracy' above)"); ok = False
if "accuracy table: all " not in out:
    print("FAIL: the unflagged build fails rows of the accuracy table (lines 'accuracy FAIL' above)"); ok = False
if ratio > factor:
    print(f"FAIL: the unflagged build is {ratio:.2f}x slower than the flagged one"); ok = False
sys.exit(0 if ok else 1)
PY
