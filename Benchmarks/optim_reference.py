"""PyTorch's parameter trajectories for Tests/VecgradTests/OptimizerTests.swift.

A fixed 2-layer model, Linear(3, 3) -> Tanh -> Linear(3, 1), with fixed initial parameters, trained
on fixed data (8 samples) with MSE for 100 steps by each optimizer setting below (gradients by
autograd, single-tensor optimizers: foreach=False). Prints, per setting, the 16 parameters (W1 row-major,
b1, W2, b2) after steps 1, 10 and 100 as a Swift literal, to paste into the tests.

Usage: python Benchmarks/optim_reference.py   (PyTorch 2.x; prints torch.__version__ first)
"""
import numpy as np
import torch

X = [[0.5, -1.0, 0.25], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.1], [0.9, -0.4, -1.3],
     [-1.1, 0.6, 0.2], [0.0, 1.2, -0.5], [0.7, 0.7, 0.7], [-0.6, -0.9, 0.4]]
Y = [[0.3], [-0.5], [1.0], [0.2], [-0.8], [0.6], [0.1], [-0.4]]
W1 = [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2], [-0.3, 0.25, 0.45]]
B1 = [0.05, -0.1, 0.15]
W2 = [[0.6, -0.35, 0.4]]
B2 = [-0.05]

SETTINGS = {
    "sgdMomentumDampening": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, foreach=False),
    "sgdNesterovDecay": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01,
                                                   foreach=False),
    "sgdDecay": lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.05, foreach=False),
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.01, foreach=False),
    "adamAmsgradDecay": lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.05, amsgrad=True, foreach=False),
    "adamLowBetaMaximize": lambda ps: torch.optim.Adam(ps, lr=0.005, betas=(0.3, 0.95), eps=1e-6, maximize=True,
                                                       foreach=False),
    "adamW": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1, foreach=False),
    "adamWAmsgrad": lambda ps: torch.optim.AdamW(ps, lr=0.02, betas=(0.8, 0.99), amsgrad=True, foreach=False),
}
CHECKPOINTS = (1, 10, 100)


def trajectory(make, dtype):
    ps = [torch.tensor(v, dtype=dtype, requires_grad=True) for v in (W1, B1, W2, B2)]
    x, y = torch.tensor(X, dtype=dtype), torch.tensor(Y, dtype=dtype)
    opt = make(ps)
    out = {}
    for step in range(1, max(CHECKPOINTS) + 1):
        opt.zero_grad()
        h = torch.tanh(x @ ps[0].T + ps[1])
        loss = torch.nn.functional.mse_loss(h @ ps[2].T + ps[3], y)
        loss.backward()
        opt.step()
        if step in CHECKPOINTS:
            out[step] = torch.cat([p.detach().flatten() for p in ps]).tolist()
    return out


def literal(values, dtype):
    # float32: the shortest decimal that reads back as the same float32; float64: repr.
    words = [str(np.float32(v)) if dtype == torch.float32 else repr(v) for v in values]
    per_line = 8 if dtype == torch.float32 else 4
    lines = [", ".join(words[i:i + per_line]) for i in range(0, len(words), per_line)]
    return "[" + ",\n                 ".join(lines) + "]"


if __name__ == "__main__":
    print("# torch", torch.__version__)
    for dtype in (torch.float32, torch.float64):
        print(f"// {dtype}")
        names = SETTINGS if dtype == torch.float32 else ["adamAmsgradDecay", "sgdNesterovDecay"]
        for name in names:
            t = trajectory(SETTINGS[name], dtype)
            print(f'        "{name}": [')
            for step in CHECKPOINTS:
                print(f"            {step}: {literal(t[step], dtype)},")
            print("        ],")
