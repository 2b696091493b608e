"""Runs PyTorch and JAX on vecbench accuracy's own sweeps, so that `vecbench accuracy --anchors DIR`
scores them against the same float64 references as Vecgrad (`make anchor-accuracy`).

Usage: python Benchmarks/anchor_accuracy.py --dir DIR [--ops ops.json] [--no-jax]
DIR holds what `vecbench accuracy --export-anchor-inputs DIR` wrote: manifest.json and, per case
(one op in one dtype), STEM.x.f64, raw little-endian float64 inputs already rounded to the dtype.
For each case this writes DIR/torch/STEM.y.f64 and DIR/torch/STEM.gx.f64 (the result and the
derivative, upstream gradient 1, each computed in the case's dtype and stored as float64), and the
same under DIR/jax. PyTorch runs the op records' calls (`vecbench ops --json`: torchForward,
torchSetup, torchBackward, the calls the speed anchors time); JAX runs jax_anchors.py's function
table under `jax.jit`, the derivative through `jax.vjp`, with `jax_enable_x64`. A case a library
has no call for, or whose call fails, is left out (no file), and said on stderr. Needs numpy.
"""
import argparse, importlib.util, json, os, sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path, values):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    np.asarray(values, dtype="<f8").tofile(tmp)
    os.replace(tmp, path)


def run_torch(cases, args):
    import torch
    anchors = load("torch_anchors")
    anchors.load_ops(args.ops)
    for c in cases:
        u = anchors.UNARY.get(c["op"])
        if u is None:
            print(f"anchor_accuracy: torch: no call for {c['op']}, left out", file=sys.stderr)
            continue
        dt = torch.float32 if c["dtype"] == "float32" else torch.float64
        x = torch.from_numpy(c["x"]).to(dt)
        y, gx = torch.empty_like(x), torch.empty_like(x)
        gy = torch.ones_like(x)
        scope = {"torch": torch, "F": torch.nn.functional, "x": x, "y": y, "gy": gy, "gx": gx}
        try:
            # Some calls write into y or gx (out=), others return their result: take what they
            # return, and give the backward call (which may read y) the forward's result.
            y = eval(u["torchForward"], scope)
            scope["y"] = y
            exec(u.get("torchSetup", ""), scope)
            gx = eval(u["torchBackward"], scope)
        except Exception as e:  # one op's failure leaves that op out, not the run
            print(f"anchor_accuracy: torch: {c['op']} {c['dtype']} failed ({e}), left out", file=sys.stderr)
            continue
        write(os.path.join(args.dir, "torch", c["stem"] + ".y.f64"), y.double().numpy())
        write(os.path.join(args.dir, "torch", c["stem"] + ".gx.f64"), gx.double().numpy())


def run_jax(cases, args):
    try:
        import jax
    except ImportError:
        print("anchor_accuracy: jax does not import here, JAX left out", file=sys.stderr)
        return
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    anchors = load("jax_anchors")
    for c in cases:
        f = anchors.jax_function(c["op"], jax, jnp)
        if f is None:
            print(f"anchor_accuracy: jax: no function for {c['op']}, left out", file=sys.stderr)
            continue
        x = jnp.asarray(c["x"].astype(np.float32 if c["dtype"] == "float32" else np.float64))
        try:
            y = jax.jit(f)(x)
            gx = jax.jit(lambda v: jax.vjp(f, v)[1](jnp.ones_like(v))[0])(x)
        except Exception as e:
            print(f"anchor_accuracy: jax: {c['op']} {c['dtype']} failed ({e}), left out", file=sys.stderr)
            continue
        write(os.path.join(args.dir, "jax", c["stem"] + ".y.f64"), np.asarray(y, dtype=np.float64))
        write(os.path.join(args.dir, "jax", c["stem"] + ".gx.f64"), np.asarray(gx, dtype=np.float64))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="the folder vecbench accuracy --export-anchor-inputs wrote")
    ap.add_argument("--ops", help="op records (vecbench ops --json); default: ask the release build")
    ap.add_argument("--no-jax", action="store_true")
    args = ap.parse_args()
    manifest = os.path.join(args.dir, "manifest.json")
    if not os.path.exists(manifest):
        sys.exit(f"anchor_accuracy: {manifest}: missing (write it with vecbench accuracy --export-anchor-inputs {args.dir})")
    cases = json.load(open(manifest))
    for c in cases:
        c["x"] = np.fromfile(os.path.join(args.dir, c["stem"] + ".x.f64"), dtype="<f8")
        if c["x"].size != c["count"]:
            sys.exit(f"anchor_accuracy: {c['stem']}.x.f64: {c['x'].size} values, the manifest says {c['count']}")
    with np.errstate(all="ignore"):
        run_torch(cases, args)
        if not args.no_jax:
            run_jax(cases, args)


if __name__ == "__main__":
    main()
