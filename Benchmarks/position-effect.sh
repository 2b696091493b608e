#!/usr/bin/env bash
# Position effect: the same case timed first in its suite and last, with the suite in fixed order
# in one round (what vecbench did before rounds) and shuffled in 5 rounds (the default now). Prints the case's
# median in each arrangement and the first-vs-last difference, for REPS repetitions.
# Usage: Benchmarks/position-effect.sh [VECBENCH] [REPS]
set -euo pipefail
VECBENCH=${1:-.build/release/vecbench}
REPS=${2:-3}
DIR=$(mktemp -d)
CASE='op=tanh shapes=1048576 variants=simd min_time_ms=40'
REST=$(grep -v '^#' Benchmarks/quick.suite | grep -v '^op=tanh' | grep -v '^$')
{ echo "$CASE"; echo "$REST"; } > "$DIR/first.suite"
{ echo "$REST"; echo "$CASE"; } > "$DIR/last.suite"
median() { python3 -c "
import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r['op']=='tanh' and r['variant']=='simd': print(r['median_ns'])" "$1"; }
for order in fixed shuffle; do
  for rep in $(seq 1 "$REPS"); do
    for pos in first last; do
      if [ "$order" = fixed ]; then flags="--order fixed --rounds 1"; else flags="--order shuffle --rounds 5"; fi
      "$VECBENCH" run --suite "$DIR/$pos.suite" $flags --out "$DIR" --name "$pos" --no-progress --no-plots >/dev/null 2>&1
      eval "$pos=\$(median $DIR/$pos.csv)"
    done
    python3 -c "import sys; f,l=float(sys.argv[2]),float(sys.argv[3]); print(f'{sys.argv[1]:8s} rep {sys.argv[4]}: first {f/1e3:.1f} us, last {l/1e3:.1f} us, last/first - 1 = {100*(l/f-1):+.1f}%')" "$order" "$first" "$last" "$rep"
  done
done
rm -rf "$DIR"
