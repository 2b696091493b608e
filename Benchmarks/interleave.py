"""Runs a suite with vecbench, PyTorch and JAX in alternating rounds and merges each side's rounds,
so that a side-by-side ratio is not decided by what the shared machine did during one side's turn.

Usage: python Benchmarks/interleave.py --suite Benchmarks/default.suite --out results [--rounds 3]
           [--vecbench .build/release/vecbench] [--no-jax]
Why: on the shared 2-vCPU machines one side's run can land in a minute when the host's other
tenants hold the L3 or the memory bus. Measured back to back (docs/measurements.md, "Harness
buffers, and working sets at the edge of L3"), float64 exp backward at 2^20 read 0.54x PyTorch in
one run and matched it minutes later. Here each round runs every side once (`vecbench run --rounds
1`, torch_anchors.py, jax_anchors.py), the order of the sides rotating from round to round, and
each side's reports are merged per case by `vecbench merge`, as `vecbench ab` merges its rounds
(RoundMerge): the samples of every round together, median_ns, min_ns and mad_ns over them (for
rows written without their samples, as the anchors' are: the median of the round medians, the
least minimum, the median MAD, the sample counts added), the round medians and their spread
(round_medians_ns, noise_pct).
Writes OUT/SUITE.csv, OUT/torch-SUITE.csv and OUT/jax-SUITE.csv in vecbench's schema (the rounds
stay in OUT/rounds/), so that `vecbench compare OUT/torch-SUITE.csv OUT/SUITE.csv
--baseline-variant torch --current-variant auto` reads them as it reads one run's reports.
"""
import argparse, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, quiet=True):
    print("interleave: " + " ".join(cmd), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL if quiet else None)
    if done.returncode != 0:
        sys.exit(f"interleave: {cmd[0]} exited with {done.returncode}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", required=True)
    ap.add_argument("--out", default="results")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--vecbench", default=".build/release/vecbench")
    ap.add_argument("--no-jax", action="store_true", help="leave JAX out (it is also left out when it does not import)")
    args = ap.parse_args()
    if args.rounds < 1:
        sys.exit("interleave: --rounds must be at least 1")
    name = os.path.splitext(os.path.basename(args.suite))[0]
    rounds_dir = os.path.join(args.out, "rounds")
    os.makedirs(rounds_dir, exist_ok=True)
    ops = os.path.join(rounds_dir, "ops.json")
    with open(ops, "w") as f:
        subprocess.run([args.vecbench, "ops", "--json"], stdout=f, check=True)
    jax = not args.no_jax and subprocess.run([sys.executable, "-c", "import jax"], capture_output=True).returncode == 0
    sides = {
        "vecbench": lambda d: [args.vecbench, "run", "--suite", args.suite, "--rounds", "1", "--out", d, "--no-progress"],
        "torch": lambda d: [sys.executable, os.path.join(HERE, "torch_anchors.py"), "--suite", args.suite, "--out", d, "--ops", ops],
    }
    if jax:
        sides["jax"] = lambda d: [sys.executable, os.path.join(HERE, "jax_anchors.py"), "--suite", args.suite, "--out", d, "--ops", ops]
    names = list(sides)
    for i in range(args.rounds):
        d = os.path.join(rounds_dir, f"round{i + 1}")
        os.makedirs(d, exist_ok=True)
        for side in names[i % len(names):] + names[:i % len(names)]:   # rotate who goes first
            run(sides[side](d))
    prefixes = {"vecbench": "", "torch": "torch-", "jax": "jax-"}
    for side in names:
        paths = [os.path.join(rounds_dir, f"round{i + 1}", f"{prefixes[side]}{name}.csv") for i in range(args.rounds)]
        out = os.path.join(args.out, f"{prefixes[side]}{name}.csv")
        # A side that ran none of the suite's cases (JAX times only elementwise ops) writes a
        # header and no rows: nothing to merge.
        present = [p for p in paths if os.path.exists(p) and sum(1 for _ in open(p)) > 1]
        if present:
            run([args.vecbench, "merge", "--out", out] + present, quiet=False)


if __name__ == "__main__":
    main()
