#!/usr/bin/env bash
# Builds this package (release, -Xcc -march=native), whose executable is the whole vecbench command
# line plus its own kernel silu_fused, then uses it as vecbench: runs silu.suite (CSV, JSON, charts),
# compares the report with itself (no regression: exit 0), plots it and writes the report page.
# Fails if a step fails, a variant is missing from the CSV or the self-comparison finds a change.
#   Examples/CustomKernel/run.sh            outputs in Examples/CustomKernel/.build-results
#   OUT=/tmp/ck Examples/CustomKernel/run.sh
# The build shares the root package's scratch folder (../../.build, SCRATCH= to change it): after
# `make build` or `make quick` every Vecgrad target is up to date there and only this package's
# executable is compiled. SwiftPM keeps one build plan per scratch folder and configuration, so
# the plan is dropped before and after this build: the root package's next build plans afresh.
set -euo pipefail
cd "$(dirname "$0")"
SCRATCH=${SCRATCH:-../../.build}
OUT=${OUT:-.build-results}
drop_plan() { rm -f "$SCRATCH/release/description.json" "$SCRATCH/release.yaml"; }
trap drop_plan EXIT
drop_plan
# The root package's pins, so that both builds use one checkout of each dependency.
if [ -f ../../Package.resolved ]; then cp ../../Package.resolved Package.resolved; fi
start=$(date +%s)
swift build -c release -Xcc -march=native --scratch-path "$SCRATCH" --product CustomKernel
echo "build: $(( $(date +%s) - start )) s"
bin=$SCRATCH/release/CustomKernel
rm -rf "$OUT" && mkdir -p "$OUT"
# This machine's calibration, when results/ has one (make bench): the roofline_pct column and line.
cp ../../results/calibration-*.json "$OUT"/ 2>/dev/null || true
start=$(date +%s)
"$bin" run --suite silu.suite --out "$OUT" --no-progress
"$bin" compare "$OUT/silu.csv" "$OUT/silu.csv"
"$bin" plot "$OUT/silu.csv" --out "$OUT/plots"
"$bin" report "$OUT"
echo "run, compare, plot, report: $(( $(date +%s) - start )) s"
python3 - "$OUT/silu.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
variants = {(r["op"], r["variant"]) for r in rows}
want = {("silu_fused", "fused"), ("silu_fused", "composed")}
if not want <= variants:
    sys.exit(f"FAIL: {sys.argv[1]} lacks {sorted(want - variants)}")
for r in rows:
    print(f'{r["variant"]:>9} {r["shapes"]:>9}: median {float(r["median_ns"]) / 1e3:9.1f} us, '
          f'{float(r["throughput"]):6.1f} {r["unit"]}, max ulp {r["max_ulp"]}')
PY
