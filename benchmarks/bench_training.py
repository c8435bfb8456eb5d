"""Training-loop speed through the public nn/optim API.

Run:  python benchmarks/bench_training.py [--quick]

A user's loop is ``model(x)``, ``loss_fn(...)``, ``loss.backward()``, ``opt.step()``,
``opt.zero_grad()`` (the order of the issue that set the targets).  Timed against the same
network trained with hand-written NumPy formulas, interleaved in the same run (BLAS pinned
to one thread, float64), and PyTorch when installed:

1. one epoch of per-sample SGD on a 64-200-10 sigmoid/softmax MLP (article 001's loop),
2. one epoch of minibatch SGD (batch 64) on an MNIST-sized 784-32-10 ReLU MLP.
"""

from __future__ import annotations

import itertools

import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
import numpy as np
from _harness import compare, parse_args, report

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def make_data(n: int, n_in: int, n_out: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.random((n, n_in)), rng.integers(0, n_out, n)


def init_params(sizes, seed: int = 1):
    """W (out, in) and b (out,) per layer, randn / sqrt(fan_in) as in article 001."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((o, i)) / np.sqrt(i), np.zeros(o))
            for i, o in itertools.pairwise(sizes)]


# ------------------------------------------------------------------ the framework
def framework_model(params, hidden: type, dtype=np.float64,
                    relu_out: bool = False) -> nn.Sequential:
    """Linear layers with ``hidden`` between them (and a ReLU after the last if ``relu_out``)."""
    layers = []
    for k, (w, b) in enumerate(params):
        lin = nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
        lin.load_state_dict({"weight": w.astype(dtype), "bias": b.astype(dtype)})
        layers.append(lin)
        if k < len(params) - 1:
            layers.append(hidden())
    if relu_out:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def framework_epoch(model, x, y, batch: int, lr: float) -> None:
    opt = optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for start in range(0, len(x), batch):
        xb, yb = tg.from_numpy(x[start:start + batch]), tg.from_numpy(y[start:start + batch])
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()


# ------------------------------------------------------------------ hand-written NumPy
def numpy_epoch(params, x, y, batch: int, lr: float, act: str, relu_out: bool = False) -> None:
    """Forward, softmax cross-entropy (mean over the batch), backward and SGD by hand
    (``relu_out``: a ReLU before the softmax, as article 002 has)."""
    for start in range(0, len(x), batch):
        xb, yb = x[start:start + batch], y[start:start + batch]
        acts, h = [xb], xb
        for k, (w, b) in enumerate(params):
            z = h @ w.T + b
            if k < len(params) - 1:
                h = 1 / (1 + np.exp(-z)) if act == "sigmoid" else np.maximum(z, 0)
            else:
                h = np.maximum(z, 0) if relu_out else z
            acts.append(h)
        z = acts[-1]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        delta = e / e.sum(axis=1, keepdims=True)
        delta[np.arange(len(yb)), yb] -= 1
        delta /= len(yb)
        if relu_out:
            delta *= z > 0
        for k in reversed(range(len(params))):
            w, b = params[k]
            a_prev = acts[k]
            # np.dot as the articles write it: for one sample (an outer product) NumPy's
            # `@` skips BLAS and is ~4x slower (NumPy 2.4)
            gw, gb = delta.T.dot(a_prev), delta.sum(axis=0)
            if k > 0:
                delta = delta @ w
                delta *= a_prev * (1 - a_prev) if act == "sigmoid" else (a_prev > 0)
            w -= lr * gw
            b -= lr * gb


# ------------------------------------------------------------------ PyTorch
def torch_epoch(torch, model, x, y, batch: int, lr: float) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, len(x), batch):
        loss = loss_fn(model(x[start:start + batch]), y[start:start + batch])
        loss.backward()
        opt.step()
        opt.zero_grad()


def torch_model(torch, params, hidden: str, dtype=None, relu_out: bool = False):
    """framework_model's network in PyTorch (``dtype`` a torch dtype, float64 by default)."""
    dtype = torch.float64 if dtype is None else dtype
    layers = []
    for k, (w, b) in enumerate(params):
        lin = torch.nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if k < len(params) - 1:
            layers.append(torch.nn.Sigmoid() if hidden == "sigmoid" else torch.nn.ReLU())
    if relu_out:
        layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def run(title, sizes, n, batch, lr, act, reps, target, torch) -> None:
    x, y = make_data(n, sizes[0], sizes[-1])
    params = init_params(sizes)
    hidden = nn.Sigmoid if act == "sigmoid" else nn.ReLU
    model = framework_model(params, hidden)
    nparams = [(w.copy(), b.copy()) for w, b in params]
    cands = {"tinygrad_edu": lambda: framework_epoch(model, x, y, batch, lr),
             "hand NumPy": lambda: numpy_epoch(nparams, x, y, batch, lr, act)}
    if torch is not None:
        tmodel = torch_model(torch, params, act)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        cands["PyTorch nn + optim"] = lambda: torch_epoch(torch, tmodel, tx, ty, batch, lr)
    report(title, "s/epoch", 1, compare(cands, reps), "hand NumPy", target=target)


def main() -> None:
    quick, torch = parse_args(__doc__)
    reps = 3 if quick else 5
    n1 = 400 if quick else 1437
    run(f"1. per-sample SGD, 64-200-10 sigmoid/softmax, one epoch of {n1} samples (article 001)",
        (64, 200, 10), n1, 1, 0.01, "sigmoid", reps, 2.5, torch)
    n2 = 6400 if quick else 60000
    run(f"2. minibatch SGD (batch 64), 784-32-10 ReLU, one epoch of {n2} samples",
        (784, 32, 10), n2, 64, 0.05, "relu", reps, 1.3, torch)


if __name__ == "__main__":
    main()
