"""Runs a suite with vecbench, PyTorch and JAX in alternating rounds and merges each side's rounds,
so that a side-by-side ratio is not decided by what the shared machine did during one side's turn.

Usage: python Benchmarks/interleave.py --suite Benchmarks/default.suite --out results [--rounds 3]
           [--group 4] [--vecbench .build/release/vecbench] [--no-jax]
Why: on the shared 2-vCPU machines one side's run can land in a minute when the host's other
tenants hold the L3 or the memory bus. Measured back to back (docs/measurements.md, "Harness
buffers, and working sets at the edge of L3"), float64 exp backward at 2^20 read 0.54x PyTorch in
one run and matched it minutes later. Here each round runs every side once on every case
(`vecbench run --rounds 1`, torch_anchors.py, jax_anchors.py), and each side's reports are merged per case by `vecbench merge`, as `vecbench ab` merges its rounds
(RoundMerge): the samples of every round together, median_ns, min_ns and mad_ns over them (for
rows written without their samples, as the anchors' are: the median of the round medians, the
least minimum, the median MAD, the sample counts added), the round medians and their spread
(round_medians_ns, noise_pct).
Within a round the suite runs in groups of --group case lines (4 by default): every side runs one
group, then every side the next; the side that goes first rotates from group to group and from
round to round, so that each group has each side first equally often over len(sides) rounds. A side's turn
on a whole suite lasts minutes, and the host's other tenants change the machine's speed on that
scale (the same kernel's 1-thread time moved 337 -> 514 us between two runs a few minutes apart,
Xeon, 2026-12-02); with groups, the sides time a case within about a minute of each other.
--group 0 runs the whole suite per turn, as before.
Writes OUT/SUITE.csv, OUT/torch-SUITE.csv and OUT/jax-SUITE.csv in vecbench's schema (the rounds
stay in OUT/rounds/), so that `vecbench compare OUT/torch-SUITE.csv OUT/SUITE.csv
--baseline-variant torch --current-variant auto` reads them as it reads one run's reports.
"""
import argparse, csv, glob, os, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, quiet=True):
    print("interleave: " + " ".join(cmd), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL if quiet else None)
    if done.returncode != 0:
        sys.exit(f"interleave: {cmd[0]} exited with {done.returncode}")


def case_lines(path):
    """The suite's case lines (comments and blank lines dropped), with their line numbers."""
    lines = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            text = line.split("#", 1)[0].strip()
            if text:
                lines.append((number, text))
    return lines


def rows(path):
    """A report's header and data lines, or None for a missing or header-only file (JAX times only
    elementwise ops: a group without any writes a header and no rows)."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        lines = f.read().splitlines()
    return (lines[0], lines[1:]) if len(lines) > 1 else None


# The columns that name a case (RoundMerge's key): a case two groups both produce (default.suite's
# sigmoid 2^24 at all CPUs is on two lines) is kept once per round, or the merge would count it twice.
KEY = ("op", "variant", "dtype", "shapes", "threads", "pinning", "phase")


def join_reports(paths, out):
    """One report from the groups' reports of a round (the same writer, so the same header),
    each case once. Without any rows, an earlier run's `out` is removed, never merged."""
    header, body, seen = None, [], set()
    for path in paths:
        found = rows(path)
        if found is None:
            continue
        if header is not None and found[0] != header:
            sys.exit(f"interleave: {path} has another header than the round's other groups")
        header = found[0]
        columns = next(csv.reader([header]))
        index = [columns.index(k) for k in KEY]
        for line, fields in zip(found[1], csv.reader(found[1])):
            key = tuple(fields[i] for i in index)
            if key not in seen:
                seen.add(key)
                body.append(line)
    if header is None:
        if os.path.exists(out):
            os.remove(out)
        return False
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join([header] + body) + "\n")
    os.replace(tmp, out)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", required=True)
    ap.add_argument("--out", default="results")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--group", type=int, default=4,
                    help="case lines per turn (0: the whole suite per turn)")
    ap.add_argument("--vecbench", default=".build/release/vecbench")
    ap.add_argument("--no-jax", action="store_true", help="leave JAX out (it is also left out when it does not import)")
    args = ap.parse_args()
    if args.rounds < 1:
        sys.exit("interleave: --rounds must be at least 1")
    if args.group < 0:
        sys.exit("interleave: --group must be 0 (whole suite) or more")
    name = os.path.splitext(os.path.basename(args.suite))[0]
    lines = case_lines(args.suite)
    if not lines:
        sys.exit(f"interleave: {args.suite} has no case lines")
    size = args.group or len(lines)
    groups = [lines[k:k + size] for k in range(0, len(lines), size)]
    rounds_dir = os.path.join(args.out, "rounds")
    os.makedirs(rounds_dir, exist_ok=True)
    ops = os.path.join(rounds_dir, "ops.json")
    with open(ops, "w") as f:
        subprocess.run([args.vecbench, "ops", "--json"], stdout=f, check=True)
    # vecbench run reads the machine's calibration from its --out directory: without a copy in
    # each group's directory every row's roofline_pct stayed empty (merge rescales the rounds' own).
    calibrations = glob.glob(os.path.join(args.out, "calibration-*.json"))
    if not calibrations:
        print(f"interleave: no calibration in {args.out}/ (vecbench calibrate --out {args.out}): roofline % left empty",
              file=sys.stderr)
    jax = not args.no_jax and subprocess.run([sys.executable, "-c", "import jax"], capture_output=True).returncode == 0
    sides = {
        "vecbench": lambda suite, d: [args.vecbench, "run", "--suite", suite, "--rounds", "1", "--out", d, "--no-progress", "--no-history", "--no-plots"],
        "torch": lambda suite, d: [sys.executable, os.path.join(HERE, "torch_anchors.py"), "--suite", suite, "--out", d, "--ops", ops],
    }
    if jax:
        sides["jax"] = lambda suite, d: [sys.executable, os.path.join(HERE, "jax_anchors.py"), "--suite", suite, "--out", d, "--ops", ops]
    names = list(sides)
    prefixes = {"vecbench": "", "torch": "torch-", "jax": "jax-"}
    for i in range(args.rounds):
        round_dir = os.path.join(rounds_dir, f"round{i + 1}")
        group_dirs = []
        for g, group in enumerate(groups):
            d = os.path.join(round_dir, f"group{g + 1}")
            os.makedirs(d, exist_ok=True)
            for c in calibrations:
                shutil.copy(c, d)
            group_dirs.append(d)
            # Named as the suite: each runner names its report after its suite file.
            suite = os.path.join(d, os.path.basename(args.suite))
            # Each case on its own line number, blank lines before it, so that the runners'
            # file:line messages point into the original suite.
            with open(suite, "w") as f:
                written = 0
                for number, text in group:
                    f.write("\n" * (number - 1 - written) + text + "\n")
                    written = number
            print(f"interleave: round {i + 1}/{args.rounds}, group {g + 1}/{len(groups)}", file=sys.stderr, flush=True)
            first = (i + g) % len(names)   # rotates over groups and rounds alike
            for side in names[first:] + names[:first]:
                run(sides[side](suite, d))
        for side in names:
            parts = [os.path.join(d, f"{prefixes[side]}{name}.csv") for d in group_dirs]
            join_reports(parts, os.path.join(round_dir, f"{prefixes[side]}{name}.csv"))
    for side in names:
        paths = [os.path.join(rounds_dir, f"round{i + 1}", f"{prefixes[side]}{name}.csv") for i in range(args.rounds)]
        out = os.path.join(args.out, f"{prefixes[side]}{name}.csv")
        present = [p for p in paths if rows(p) is not None]
        if present:
            run([args.vecbench, "merge", "--out", out] + present, quiet=False)


if __name__ == "__main__":
    main()
