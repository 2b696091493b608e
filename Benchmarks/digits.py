"""The PyTorch side of `make mnist`: Sources/VecgradDigits/main.swift in PyTorch.

Trains on scikit-learn's handwritten digits (Examples/Data/digits.npy.gz: 1797 8x8 images, grey
levels 0-16, labels 0-9): the same split (images ordered by a SplitMix64 permutation, the first
1437 for training, the last 360 for testing, sklearn's 80/20), pixels scaled to [0, 1], the same
minibatches (each epoch's order is another SplitMix64 permutation, batches of 64, the last one
29), the same initial weights (Vecgrad's Linear(seed:) streams) and the same hyper-parameters
(plain SGD, lr 0.3, 30 epochs): (a) softmax regression, a Linear 64->10 with cross entropy, and
(b) an MLP 64-128-10 with ReLU. Up to float rounding, both programs compute the same numbers.

Printed, one line per model and epoch: the mean training loss over the epoch's batches, the test
accuracy after it, and the epoch's training time in seconds (shuffle and steps; not the test).
Needs only torch (the .npy is parsed here, without numpy).

Usage: python Benchmarks/digits.py [--data PATH] [--epochs N] [--lr X] [--batch N] [--threads N]
"""
import argparse
import ast
import gzip
import time

import torch
import torch.nn.functional as F

from train_mlp import linear, splitmix_units


def load_npy_gz(path):
    """A float32 C-order .npy (gzipped), as Vecgrad's Tensor.load(npyBytes:) reads it."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert raw[:6] == b"\x93NUMPY" and raw[6] == 1, "expected a version 1.0 .npy file"
    length = int.from_bytes(raw[8:10], "little")
    header = ast.literal_eval(raw[10:10 + length].decode("latin1"))
    assert header["descr"] == "<f4" and not header["fortran_order"], header
    return torch.frombuffer(bytearray(raw[10 + length:]), dtype=torch.float32).reshape(header["shape"])


def permutation(n, seed):
    """The order that sorts n SplitMix64(seed) units (ties by index): Vecgrad's program draws the same."""
    return torch.sort(splitmix_units(n, seed), stable=True).indices


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).double().mean().item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="Examples/Data/digits.npy.gz")
    for flag, kind, default in (("--epochs", int, 30), ("--lr", float, 0.3), ("--batch", int, 64), ("--threads", int, 1)):
        parser.add_argument(flag, type=kind, default=default)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data = load_npy_gz(args.data)
    order = permutation(data.shape[0], 0)
    train, test = order[:1437], order[1437:]
    pixels, labels = data[:, :64] / 16, data[:, 64].long()
    x_train, y_train, x_test, y_test = pixels[train], labels[train], pixels[test], labels[test]

    models = {
        "softmax": torch.nn.Sequential(linear(64, 10, 1)),
        "mlp": torch.nn.Sequential(linear(64, 128, 2), torch.nn.ReLU(), linear(128, 10, 3)),
    }
    for name, model in models.items():
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
        for epoch in range(1, args.epochs + 1):
            start = time.perf_counter()
            shuffle = permutation(len(train), 100 + epoch)
            xs, ys = x_train[shuffle], y_train[shuffle]
            losses = []
            for i in range(0, len(train), args.batch):
                optimizer.zero_grad()
                loss = F.cross_entropy(model(xs[i:i + args.batch]), ys[i:i + args.batch])
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            seconds = time.perf_counter() - start
            print(f"pytorch model={name} epoch={epoch} loss={sum(losses) / len(losses):.4f} "
                  f"test_acc={accuracy(model, x_test, y_test):.4f} epoch_s={seconds:.4f}", flush=True)


if __name__ == "__main__":
    main()
