"""The PyTorch side of `make train`: the training program of Sources/VecgradTrain/main.swift.

An MLP 784-1024-1024-1024-10 with tanh, sigmoid, tanh hidden layers, batch 512, cross entropy,
plain SGD (torch.optim.SGD). The batch and the initial weights are Vecgrad's numbers: SplitMix64
with the same seeds, drawn as Vecgrad's Tensor.uniform and Linear(seed:) draw them (computed with
torch int64 arithmetic, checked against a plain-Python SplitMix64), so both programs print the
same first loss. Printed: the median step time (zero_grad, forward, backward, step) over --steps
steps after --warmup steps, the matrix products' GFLOP per step (matmul_gflop), and the peak
resident memory growth: VmHWM at the end minus VmRSS just before the first step, from
/proc/self/status, after malloc_trim and a VmHWM restart (as the Swift program: see its header).
Needs only torch (no numpy).

Usage: python Benchmarks/train_mlp.py [--threads N] [--steps N] [--warmup N] [--batch N] [--lr X]
"""
import argparse
import ctypes
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1
GOLDEN, MIX1, MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def signed(v):
    """A 64-bit pattern as the int64 torch stores."""
    v &= MASK64
    return v - (1 << 64) if v >= 1 << 63 else v


def shift_right(z, k):
    """Logical shift of int64 bit patterns (torch's >> is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def splitmix_units(n, seed):
    """The first n values of Vecgrad's SplitMix64(seed).nextUnit(), as float64 in [0, 1)."""
    state = torch.arange(1, n + 1, dtype=torch.int64) * signed(GOLDEN) + signed(seed)
    z = (state ^ shift_right(state, 30)) * signed(MIX1)
    z = (z ^ shift_right(z, 27)) * signed(MIX2)
    z = z ^ shift_right(z, 31)
    return shift_right(z, 11).double() * 2.0 ** -53


def splitmix_reference(n, seed):
    """Plain-Python SplitMix64, to check the vectorised form (torch's int64 products must wrap)."""
    out, state = [], seed & MASK64
    for _ in range(n):
        state = (state + GOLDEN) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        out.append((z ^ (z >> 31)) >> 11)
    return [v * 2.0 ** -53 for v in out]


def uniform(shape, low, high, seed):
    """Vecgrad's Tensor.uniform(shape, low:high:seed:) in float32: low + (high - low) * u, rounded once."""
    u = splitmix_units(math.prod(shape), seed)
    return (low + (high - low) * u).float().reshape(shape)


def linear(fan_in, fan_out, seed):
    """Vecgrad's Linear(in:out:seed:): one U(-1/sqrt(in), 1/sqrt(in)) stream, weight then bias."""
    bound = 1 / math.sqrt(fan_in)
    values = uniform([fan_out * fan_in + fan_out], -bound, bound, seed)
    layer = torch.nn.Linear(fan_in, fan_out)
    with torch.no_grad():
        layer.weight.copy_(values[: fan_out * fan_in].reshape(fan_out, fan_in))
        layer.bias.copy_(values[fan_out * fan_in:])
    return layer


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    for seed in (10, 1, 2**63 + 5):
        expected = splitmix_reference(1000, seed)
        if splitmix_units(1000, seed).tolist() != expected:
            raise SystemExit(f"vectorised SplitMix64 differs from the reference (seed {seed})")

    features, classes = 784, 10
    inputs = uniform([args.batch, features], -1, 1, seed=10)
    labels = inputs[:, :classes].argmax(dim=1)
    model = torch.nn.Sequential(
        linear(features, 1024, 1), torch.nn.Tanh(),
        linear(1024, 1024, 2), torch.nn.Sigmoid(),
        linear(1024, 1024, 3), torch.nn.Tanh(),
        linear(1024, classes, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError as e:
        print(f"train_mlp: could not trim or restart VmHWM ({e}): the growth may count more than training",
              file=sys.stderr)
    rss_before = status_kb("VmRSS")
    step_ms, losses = [], []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter_ns()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        end = time.perf_counter_ns()
        if step >= args.warmup:
            step_ms.append((end - start) / 1e6)
        losses.append(loss.item())
    growth_mb = (status_kb("VmHWM") - rss_before) * 1024 / 1e6
    # The matrix products per step, as train-mlp counts them: forward and weight gradient of every
    # layer, input gradient of all but the first.
    layer = [2 * args.batch * m.in_features * m.out_features for m in model if isinstance(m, torch.nn.Linear)]
    matmul_gflop = (2 * sum(layer) + sum(layer[1:])) / 1e9
    print(f"pytorch threads={args.threads} steps={args.steps} median_step_ms={statistics.median(step_ms):.2f} "
          f"min_step_ms={min(step_ms):.2f} mem_growth_mb={growth_mb:.1f} "
          f"loss_first={losses[0]:.6f} loss_last={losses[-1]:.6f} matmul_gflop={matmul_gflop:.3f}")


if __name__ == "__main__":
    main()
