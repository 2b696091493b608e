"""Runs the elementwise unary rows of a vecbench suite with JAX and writes the same CSV schema as
torch_anchors.py, so that `vecbench compare --baseline-variant jax` shows Vecgrad against JAX.

Usage: python Benchmarks/jax_anchors.py --suite Benchmarks/default.suite --out results [--ops ops.json]
Forward is `jax.jit(f)(x)`; backward is the cotangent map of `jax.vjp(f, x)` run under `jax.jit`
from the residuals the forward saved (as PyTorch's backward reads its saved tensors). Both end in
`block_until_ready`. JAX has no out= arguments: every call allocates its output, as the
'torch-alloc' variant does. float64 needs `jax_enable_x64`, set before any array is made.
Variant 'jax', pinning 'none'. Input ranges and cost models come from the op records
(`vecbench ops --json`), the suite parser, machine id, timing loop and CSV header from
torch_anchors.py's source, so that both runners read suites and write reports alike.

Threads: XLA sizes its CPU thread pools once, when the backend starts, so each thread count N runs
in a child process started with PJRT_NPROC=N (the pool size XLA reads; XLA_FLAGS alone left
elementwise ops on 2-3 threads) and, for 1 thread, XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1" (XLA reads the first; the second, not an XLA flag, is passed over
without an error). With N=1 one pool thread computes (the caller only dispatches); with N=2 XLA
spreads a call over its 2 intra-op threads and 2 executor threads. The child is also confined to
N of the CPUs it may use, where it may use that many (sched_setaffinity, before jax starts any
thread; printed on stderr), so that N threads' worth of CPU is a bound, not a request. Each case
counts the threads besides the caller that did at least 10% of the process's CPU time while it was
timed (from /proc/self/task/*/stat, 10 ms ticks); a 1-thread case where that count exceeds 1 is
flagged.
"""
import argparse, ast, csv, json, math, os, re, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ONE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def torch_anchor_helpers():
    """HEADER, UNARY, load_ops, machine_id, parse_suite, measure and summary, compiled from
    torch_anchors.py's own source (importing it would import torch, which this script must not
    need)."""
    path = os.path.join(HERE, "torch_anchors.py")
    wanted = {"HEADER", "UNARY", "load_ops", "machine_id", "parse_suite", "numel", "measure", "summary"}
    tree = ast.parse(open(path).read(), path)
    nodes = [n for n in tree.body
             if isinstance(n, ast.FunctionDef) and n.name in wanted
             or isinstance(n, ast.Assign) and any(getattr(t, "id", None) in wanted for t in n.targets)]
    scope = {"__file__": path, "os": os, "json": json, "math": math, "statistics": statistics,
             "subprocess": subprocess, "time": time}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), path, "exec"), scope)
    missing = wanted - scope.keys()
    if missing:
        sys.exit(f"jax_anchors.py: torch_anchors.py no longer defines {sorted(missing)}")
    return scope


T = torch_anchor_helpers()


def jax_function(name, jax, jnp):
    """JAX's function for a vecbench unary op name ("op" or "op(key=value,...)" with PyTorch's
    parameter names; pow takes its exponent bare), or None when this table has none."""
    m = re.fullmatch(r"([a-z_0-9]+)(?:\((.*)\))?", name)
    if not m:
        return None
    op, args = m.group(1), m.group(2)
    if op == "pow":
        p = float(args)
        return lambda x: jnp.power(x, p)
    kw = dict(a.split("=", 1) for a in args.split(",")) if args else {}
    kw = {k: v if k == "approximate" else float(v) for k, v in kw.items()}
    nn, special = jax.nn, jax.scipy.special

    def softplus(x):
        # PyTorch's form: x where beta x > threshold (jax.nn.softplus has no threshold)
        beta, threshold = kw.get("beta", 1.0), kw.get("threshold", 20.0)
        return jnp.where(beta * x > threshold, x, jnp.log1p(jnp.exp(beta * x)) / beta)
    table = {
        "relu": nn.relu, "abs": jnp.abs, "neg": jnp.negative, "sigmoid": nn.sigmoid, "tanh": jnp.tanh,
        "exp": jnp.exp, "log": jnp.log, "sqrt": jnp.sqrt, "sin": jnp.sin, "cos": jnp.cos,
        "expm1": jnp.expm1, "log1p": jnp.log1p, "erf": special.erf, "erfc": special.erfc,
        "softplus": nn.softplus if not kw else softplus,
        "gelu": lambda x: nn.gelu(x, approximate=kw.get("approximate") == "tanh"),
        "silu": nn.silu, "log_sigmoid": nn.log_sigmoid, "mish": lambda x: x * jnp.tanh(nn.softplus(x)),
        "selu": nn.selu,
        "elu": nn.elu if not kw else lambda x: jnp.where(                  # PyTorch's three-parameter elu
            x > 0, kw.get("scale", 1.0) * x,
            kw.get("scale", 1.0) * kw.get("alpha", 1.0) * jnp.expm1(kw.get("input_scale", 1.0) * x)),
        "leaky_relu": lambda x: nn.leaky_relu(x, kw.get("negative_slope", 0.01)),
        "hardtanh": lambda x: jnp.clip(x, kw.get("min_val", -1.0), kw.get("max_val", 1.0)),
        "clamp": lambda x: jnp.clip(x, kw.get("min"), kw.get("max")),
    }
    return table.get(op)


def thread_cpu_ticks():
    """CPU time (utime + stime, in clock ticks) of each thread of this process."""
    ticks = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = open(f"/proc/self/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            ticks[tid] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass   # the thread ended
    return ticks


def busy_threads(before, after):
    """(threads other than the caller that did >= 10% of the CPU time between the snapshots, the
    caller's share). The caller dispatches each call and waits for it; XLA computes on its pool
    threads, or on the caller for small arrays."""
    main = str(os.getpid())
    used = {t: after[t] - before.get(t, 0) for t in after}
    total = sum(used.values())
    if total == 0:
        return 0, 0.0
    return sum(u >= 0.1 * total for t, u in used.items() if t != main), used.get(main, 0) / total


def worker(args):
    """Times this process's thread count; prints one JSON row per case on stdout."""
    threads, cpus = args.worker, sorted(os.sched_getaffinity(0))
    if threads <= len(cpus):
        cpus = cpus[:threads]
        os.sched_setaffinity(0, cpus)   # inherited by every thread started from here on
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    T["load_ops"](args.ops)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
    fid = T["machine_id"]()
    cases = [c for c in T["parse_suite"](args.suite) if c[5] == threads]
    seen = set()
    for i, (lineno, op, shapes, dtype, phase, _) in enumerate(cases, 1):
        key = (op, tuple(map(tuple, shapes)), dtype, phase)
        if key in seen or op not in T["UNARY"]:
            continue
        seen.add(key)
        f = jax_function(op, jax, jnp)
        if f is None:
            print(f"{args.suite}:{lineno}: no JAX function for op '{op}', skipped", file=sys.stderr)
            continue
        u, n = T["UNARY"][op], T["numel"](shapes[0])
        size = 4 if dtype == "float32" else 8
        rng = np.random.default_rng(0)
        lo, hi = u["domain"]["bench"]
        x = jnp.asarray(rng.uniform(lo, hi, shapes[0]).astype(dtype))
        if phase == "forward":
            fwd = jax.jit(f)
            run = lambda: fwd(x).block_until_ready()
            nbytes, flops = 2 * n * size, u["flops"] * n
        else:
            gy = jnp.asarray(rng.uniform(-1, 1, shapes[0]).astype(dtype))
            _, pullback = jax.vjp(f, x)   # holds the residuals the forward saved
            bwd = jax.jit(lambda pb, g: pb(g)[0])
            run = lambda: bwd(pullback, gy).block_until_ready()
            reads = 3 if u["saved"] == "inputAndOutput" else 2
            nbytes, flops = (reads + 1) * n * size, (u["flops"] + 1) * n
        for _ in range(3):
            run()   # compiles: the compiler's threads stay out of the count below
        before = thread_cpu_ticks()
        samples = T["measure"](run, args.min_time_ms * 1e6)
        busy, caller = busy_threads(before, thread_cpu_ticks())
        med, mn, mad, ci_lo, ci_hi = T["summary"](samples)
        thr = nbytes / med
        shapes_text = ";".join("x".join(map(str, s)) for s in shapes)
        note = f" (warning: {busy} threads busy)" if threads == 1 and busy > 1 else ""
        print(f"[{i}/{len(cases)}] {op} jax {shapes_text} {dtype} {phase} t={threads}: {thr:.2f} GB/s; "
              f"busy pool threads {busy}, caller {caller:.0%} of the CPU time{note}", file=sys.stderr)
        print(json.dumps([fid, commit, op, "jax", dtype, shapes_text, threads, "none", "", phase, len(samples),
                          f"{med:g}", f"{mn:g}", f"{mad:g}", f"{ci_lo:g}", f"{ci_hi:g}", f"{nbytes:g}", f"{flops:g}",
                          f"{thr:.6g}", "GB/s", "", "", "", "", ""]), flush=True)
    print(f"jax {jax.__version__} (jaxlib {jax.lib.__version__}), {threads} thread(s) on CPUs {cpus}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", required=True)
    ap.add_argument("--out", default="results")
    ap.add_argument("--ops", help="the op records, as `vecbench ops --json` writes them (default: ask the release build)")
    ap.add_argument("--min-time-ms", type=float, default=200)
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)   # thread count of a child process
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    T["load_ops"](args.ops)
    fd, ops_path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump({"unary": list(T["UNARY"].values())}, f)
    thread_counts = dict.fromkeys(c[5] for c in T["parse_suite"](args.suite) if c[1] in T["UNARY"])
    rows = []
    try:
        for threads in thread_counts:
            env = dict(os.environ, PJRT_NPROC=str(threads))
            if threads == 1:
                env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " " + ONE_THREAD_XLA_FLAGS).strip()
            child = subprocess.run([sys.executable, os.path.abspath(__file__), "--suite", args.suite, "--ops", ops_path,
                                    "--min-time-ms", str(args.min_time_ms), "--worker", str(threads)],
                                   env=env, stdout=subprocess.PIPE, text=True)
            if child.returncode != 0:
                sys.exit(f"jax_anchors.py: the {threads}-thread run failed (exit {child.returncode})")
            rows += [json.loads(line) for line in child.stdout.splitlines() if line.startswith("[")]
    finally:
        os.remove(ops_path)
    name = os.path.splitext(os.path.basename(args.suite))[0]
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"jax-{name}.csv")
    fd, tmp = tempfile.mkstemp(dir=args.out, suffix=".tmp")
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(T["HEADER"]); w.writerows(rows)
    os.replace(tmp, path)   # atomic: an interrupted run never leaves a half-written report
    print(f"wrote {path} ({len(rows)} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
