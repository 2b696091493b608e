"""Runs a vecbench suite with PyTorch and writes the same CSV schema, so that
`vecbench compare` shows Vecgrad against PyTorch case by case (`make anchors`).

Usage: python Benchmarks/torch_anchors.py --suite Benchmarks/default.suite --out results [--ops ops.json]
The elementwise ops' PyTorch calls, input ranges and cost models come from the op records
(`vecbench ops --json`, read from --ops or from the release build), never from tables kept here.
Each case is timed on the PyTorch op that does the same work, with preallocated outputs (out=)
where PyTorch offers them so that both sides measure kernels, not the allocator. Variant 'torch',
pinning 'none' (PyTorch's threads are not pinned). Cost models (bytes, flops) are those of
Sources/VecBench/Catalog*.swift; VecBenchTests checks a committed report of this script against them.
"""
import argparse, csv, json, math, os, platform, re, statistics, subprocess, sys, tempfile, time

import torch
import torch.nn.functional as F

HEADER = ["fingerprint_id", "git_commit", "op", "variant", "dtype", "shapes", "threads", "pinning",
          "cpu_list", "phase", "samples", "median_ns", "min_ns", "mad_ns", "ci_low_ns", "ci_high_ns",
          "bytes", "flops", "throughput", "unit", "roofline_pct", "max_abs_err", "max_rel_err", "max_ulp",
          "samples_ns"]
UNARY = {}  # op name -> record (UnaryInfo as JSON), filled by load_ops


def load_ops(path):
    """The op records: from `path`, or from `vecbench ops --json` of the release build."""
    if path and os.path.exists(path):
        text = open(path).read()
    else:
        exe = os.path.join(os.path.dirname(__file__), "..", ".build", "release", "vecbench")
        text = subprocess.run([exe, "ops", "--json"], check=True, capture_output=True, text=True).stdout
    UNARY.update((u["name"], u) for u in json.loads(text)["unary"])
BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
          "maximum": torch.maximum, "minimum": torch.minimum}


def machine_id():
    """FNV-1a/64 of "model=..;pus=..;cores=..;packages=.." as Fingerprint.machineID computes it."""
    cores, packages = set(), set()
    pkg = None
    with open("/proc/cpuinfo") as f:
        text = f.read()
    # The first processor's model name with its CPUID signature, as Fingerprint.cpuModel forms it.
    first = dict((k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in text.split("\n\n")[0].splitlines()))
    model = first.get("model name", "unknown")
    if model != "unknown" and "cpu family" in first and "model" in first:
        stepping = f" stepping {first['stepping']}" if "stepping" in first else ""
        model = f"{model} (family {first['cpu family']} model {first['model']}{stepping})"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "physical id":
            pkg = value; packages.add(value)
        elif key == "core id":
            cores.add((pkg, value))
    pus = os.cpu_count()
    text = f"model={model};pus={pus};cores={len(cores) or pus};packages={len(packages) or 1}"
    h = 0xcbf29ce484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"[:12]


def parse_suite(path):
    cases = []
    for lineno, raw in enumerate(open(path), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kv = dict(item.split("=", 1) for item in line.split())
        shape_sets = [[[int(d) for d in operand.split("x")] if operand else [] for operand in s.split(";")]
                      for s in kv["shapes"].split(",")]
        phase = kv.get("phase", "forward")
        phases = ["forward", "backward"] if phase == "both" else [phase]
        threads = []
        for t in kv.get("threads", "1").split(","):
            if t == "max":
                threads.append(os.cpu_count())
            elif t == "pow2":
                n = 1
                while n < os.cpu_count():
                    threads.append(n); n *= 2
                threads.append(os.cpu_count())
            elif "-" in t:
                a, b = t.split("-")
                threads.extend(range(int(a), (os.cpu_count() if b == "max" else int(b)) + 1))
            else:
                threads.append(int(t))
        for dtype in kv.get("dtype", "float32").split(","):
            for shapes in shape_sets:
                for p in phases:
                    for t in dict.fromkeys(threads):
                        cases.append((lineno, kv["op"], shapes, dtype, p, t))
    return cases


def numel(s):
    return math.prod(s) if s else 1


def prepare(op, shapes, dtype, phase, allocate=False):
    """Returns (run, bytes, flops, unit) or None when PyTorch has no such case here.
    allocate: time the call as users write it (y = torch.sigmoid(x)), output allocated each call."""
    dt = torch.float32 if dtype == "float32" else torch.float64
    size = 4 if dtype == "float32" else 8
    g = torch.Generator().manual_seed(0)
    rand = lambda s, lo=-2.0, hi=2.0: torch.rand(s, generator=g, dtype=dt) * (hi - lo) + lo
    if op in UNARY:
        u = UNARY[op]
        n = numel(shapes[0])
        lo, hi = u["domain"]["bench"]
        x = rand(shapes[0], lo, hi)
        y, gy, gx = torch.empty_like(x), rand(shapes[0], -1, 1), torch.empty_like(x)
        scope = {"torch": torch, "F": F, "x": x, "y": y, "gy": gy, "gx": gx}
        forward = u["torchForward"]
        if allocate:  # as users write it: no out=, the output allocated by each call
            forward = re.sub(r",\s*out=y\)$", ")", forward)
        fwd = eval("lambda: " + forward, scope)
        y.copy_(eval(u["torchForward"].replace(", out=y", ""), scope))
        exec(u.get("torchSetup", ""), scope)
        bwd = eval("lambda: " + u["torchBackward"], scope)
        if phase == "forward":
            return fwd, 2 * n * size, u["flops"] * n, "GB/s"
        reads = 3 if u["saved"] == "inputAndOutput" else 2
        return bwd, (reads + 1) * n * size, (u["flops"] + 1) * n, "GB/s"
    if op in BINARY:
        a, b = rand(shapes[0]), rand(shapes[1], 0.5, 2) if op == "div" else rand(shapes[1])
        out = torch.empty(torch.broadcast_shapes(a.shape, b.shape), dtype=dt)
        na, nb, no = a.numel(), b.numel(), out.numel()
        if phase == "forward":
            return (lambda: BINARY[op](a, b, out=out)), (na + nb + no) * size, no, "GB/s"
        a.requires_grad_(); b.requires_grad_()
        yv = BINARY[op](a, b)
        gy = rand(tuple(yv.shape), -1, 1)
        return (lambda: torch.autograd.grad(yv, (a, b), gy, retain_graph=True)), (2 * (na + nb) + no) * size, 3 * no, "GB/s"
    if op == "sum":
        x = rand(shapes[0])
        return (lambda: torch.sum(x)), numel(shapes[0]) * size, numel(shapes[0]), "GB/s"
    if op in ("softmax", "log_softmax"):
        x = rand(shapes[0], -5, 5)
        n = numel(shapes[0])
        f = torch._softmax if op == "softmax" else torch._log_softmax
        y = f(x, -1, False)
        gy = rand(shapes[0], -1, 1)
        if phase == "forward":
            return (lambda: f(x, -1, False)), 2 * n * size, 20 * n, "GB/s"
        b = torch.ops.aten._softmax_backward_data if op == "softmax" else torch.ops.aten._log_softmax_backward_data
        return (lambda: b(gy, y, -1, dt)), 3 * n * size, 4 * n, "GB/s"
    if op == "mlp_step":
        (b, i), (_, h), (_, o) = shapes
        model = torch.nn.Sequential(torch.nn.Linear(i, h), torch.nn.ReLU(), torch.nn.Linear(h, o)).to(dt)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        x, target = rand([b, i], -1, 1), rand([b, o], -1, 1)

        def step():
            opt.zero_grad()
            F.mse_loss(model(x), target).backward()
            opt.step()
        weights = i * h + h * o
        return step, (4 * weights + 4 * b * (i + h + o)) * size, b * (4 * weights + 2 * h * o), "GFLOP/s"
    if op == "tiny_autograd":
        n = numel(shapes[0])
        xs = rand(shapes[0], -3, 3)

        def tiny():
            x = xs.clone().requires_grad_()
            torch.sigmoid(x * x).sum().backward()
            return x.grad
        return tiny, 8 * n * size, 30 * n, "GB/s"
    if op in ("matmul", "mm", "bmm", "tensor_matmul"):
        a, b = rand(shapes[0]), rand(shapes[1])
        y = torch.matmul(a, b)
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        batch = numel(list(y.shape[:-2]))
        elements = (a.numel() + b.numel() + batch * m * n) if op == "tensor_matmul" else batch * (m * k + k * n + m * n)
        if phase == "forward":
            out = torch.empty_like(y)
            return (lambda: torch.matmul(a, b, out=out)), elements * size, 2 * batch * m * n * k, "GFLOP/s"
        a.requires_grad_(); b.requires_grad_()
        yv = torch.matmul(a, b)
        gy = rand(tuple(yv.shape), -1, 1)
        return (lambda: torch.autograd.grad(yv, (a, b), gy, retain_graph=True)), 2 * elements * size, 4 * batch * m * n * k, "GFLOP/s"
    return None


def measure(run, min_time_ns):
    for _ in range(3):
        run()
    samples, start = [], time.perf_counter_ns()
    while len(samples) < 5 or (time.perf_counter_ns() - start < min_time_ns and len(samples) < 10000):
        t0 = time.perf_counter_ns(); run(); samples.append(time.perf_counter_ns() - t0)
    return samples


def summary(samples):
    s = sorted(samples)
    med = statistics.median(s)
    mad = statistics.median([abs(x - med) for x in s])
    # Order-statistic 95% CI of the median.
    n = len(s); half = 1.96 * math.sqrt(n) / 2
    lo, hi = max(0, int(math.floor(n / 2 - half))), min(n - 1, int(math.ceil(n / 2 + half)))
    return med, s[0], mad, s[lo], s[hi]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", required=True)
    ap.add_argument("--out", default="results")
    ap.add_argument("--ops", help="the op records, as `vecbench ops --json` writes them (default: ask the release build)")
    ap.add_argument("--min-time-ms", type=float, default=200)
    args = ap.parse_args()
    load_ops(args.ops)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
    fid = machine_id()
    cases = parse_suite(args.suite)
    rows, seen = [], set()
    for i, (lineno, op, shapes, dtype, phase, threads) in enumerate(cases, 1):
        key = (op, tuple(map(tuple, shapes)), dtype, phase, threads)
        if key in seen:
            continue
        seen.add(key)
        torch.set_num_threads(threads)
        # 'torch' times the kernel into a preallocated output; 'torch-alloc' (unary forward only)
        # times the call as users write it, allocating its output each time.
        variants = ["torch", "torch-alloc"] if op in UNARY and phase == "forward" else ["torch"]
        for variant in variants:
            prepared = prepare(op, shapes, dtype, phase, allocate=variant == "torch-alloc")
            if prepared is None:
                print(f"{args.suite}:{lineno}: PyTorch has no case for op '{op}', skipped", file=sys.stderr)
                break
            run, nbytes, flops, unit = prepared
            samples = measure(run, args.min_time_ms * 1e6)
            med, mn, mad, lo, hi = summary(samples)
            thr = (nbytes if unit == "GB/s" else flops) / med
            shapes_text = ";".join("x".join(map(str, s)) for s in shapes)
            print(f"[{i}/{len(cases)}] {op} {variant} {shapes_text} {dtype} {phase} t={threads}: {thr:.2f} {unit}",
                  file=sys.stderr)
            rows.append([fid, commit, op, variant, dtype, shapes_text, threads, "none", "", phase, len(samples),
                         f"{med:g}", f"{mn:g}", f"{mad:g}", f"{lo:g}", f"{hi:g}", f"{nbytes:g}", f"{flops:g}",
                         f"{thr:.6g}", unit, "", "", "", "", ""])
    name = os.path.splitext(os.path.basename(args.suite))[0]
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"torch-{name}.csv")
    fd, tmp = tempfile.mkstemp(dir=args.out, suffix=".tmp")
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER); w.writerows(rows)
    os.replace(tmp, path)   # atomic: an interrupted run never leaves a half-written report
    print(f"torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}): wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
