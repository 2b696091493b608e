#!/usr/bin/env bash
# Measures the CI gate on this machine: runs a suite N times back to back (CI's settings), then
# compares every ordered pair of reports as they are (false alarms: any REGRESSED is false) and
# with the current report made 10% slower (detections: each case should be REGRESSED).
# Usage: Benchmarks/gate-noise.sh [VECBENCH] [SUITE] [N] [OUT]
# Prints the counts; the reports stay in OUT for GateNoiseTests (results/gate-noise/).
set -euo pipefail
VECBENCH=${1:-.build/release/vecbench}
SUITE=${2:-quick}
N=${3:-3}
OUT=${4:-results/gate-noise}
mkdir -p "$OUT"
for i in $(seq 1 "$N"); do
  start=$(date +%s)
  "$VECBENCH" run --suite "$SUITE" --out "$OUT" --name "run-$i" --no-progress --no-plots ${RUN_FLAGS:-} > /dev/null
  echo "run $i: $(( $(date +%s) - start )) s"
done
python3 - "$VECBENCH" "$OUT" "$N" <<'PY'
import csv, json, os, subprocess, sys, itertools
vecbench, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
TIME_COLUMNS = ["median_ns", "min_ns", "mad_ns", "ci_low_ns", "ci_high_ns", "round_medians_ns", "cpu_ns", "round_cpu_ns", "samples_ns"]
def slower(src, dst, factor):
    rows = list(csv.DictReader(open(src)))
    with open(dst, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=rows[0].keys(), lineterminator="\n")
        w.writeheader()
        for r in rows:
            for c in TIME_COLUMNS:
                if r.get(c):
                    r[c] = ";".join(repr(float(x) * factor) for x in r[c].split(";"))
            w.writerow(r)
def verdicts(base, cur):
    v = os.path.join(out, "verdict-tmp.json")
    subprocess.run([vecbench, "compare", base, cur, "--verdict", v], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cases = json.load(open(v))["result"]["cases"]
    return [c["verdict"] for c in cases]
false = detect = total = 0
noisy = 0
for i, j in itertools.permutations(range(1, n + 1), 2):
    a, b = f"{out}/run-{i}.csv", f"{out}/run-{j}.csv"
    same = verdicts(a, b)
    slow_path = f"{out}/slow-{j}.csv"
    slower(b, slow_path, 1.10)
    slow = verdicts(a, slow_path)
    os.remove(slow_path)
    total += len(same)
    false += same.count("regressed")
    noisy += same.count("noisy")
    detect += slow.count("regressed")
    print(f"run-{i} vs run-{j}: {same.count('regressed')} false regressions, {same.count('noisy')} noisy; "
          f"10% slower: {slow.count('regressed')}/{len(slow)} flagged")
print(f"false regressions: {false}/{total} = {100*false/total:.2f}% of case comparisons ({noisy} noisy)")
print(f"10% slowdowns flagged: {detect}/{total} = {100*detect/total:.2f}%")
os.remove(os.path.join(out, "verdict-tmp.json"))
PY
