"""Engine speed: per-op overhead, a full-batch MLP step, and a long chain of large tensors.

Run:  python benchmarks/bench_engine.py [--quick]

Each figure is the median of several interleaved repeats (see _harness.compare) with BLAS
pinned to one thread, float64,
printed next to hand-written NumPy forward/backward formulas timed in the same run (and
PyTorch eager when it is installed).
"""

from __future__ import annotations

import itertools
import statistics

import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
import numpy as np
from _harness import compare, parse_args, report

import tinygrad_edu as tg


# ------------------------------------------------------------------ 1. per-op node overhead
def chain_tiny_framework(steps: int) -> tuple:
    """steps x [mul, add, tanh] on 1-element tensors, then backward; the gradients."""
    w = tg.Tensor(np.array([0.9]), requires_grad=True)
    b = tg.Tensor(np.array([0.1]), requires_grad=True)
    y = y0 = tg.Tensor(np.array([0.5]), requires_grad=True)
    for _ in range(steps):
        y = (y * w + b).tanh()
    y.backward()
    return w.grad.data, b.grad.data, y0.grad.data


def chain_tiny_numpy(steps: int) -> tuple:
    """The same chain with its forward and backward formulas written by hand."""
    w, b, y = np.array([0.9]), np.array([0.1]), np.array([0.5])
    ins, outs = [], []
    for _ in range(steps):
        ins.append(y)
        y = np.tanh(y * w + b)
        outs.append(y)
    g = np.ones(1)
    gw = np.zeros(1)
    gb = np.zeros(1)
    for x, t in zip(reversed(ins), reversed(outs)):
        g = g * (1 - t * t)
        gb = gb + g
        gw = gw + g * x
        g = g * w
    return gw, gb, g


def chain_tiny_torch(torch, steps: int) -> None:
    w = torch.tensor([0.9], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.1], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    for _ in range(steps):
        y = (y * w + b).tanh()
    y.backward()


# ------------------------------------------------------------------ 2. MLP full-batch step
def mlp_data(n: int = 1493, sizes=(256, 30, 20, 10), seed: int = 0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, sizes[0])) < 0.3).astype(np.float64)
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params += [rng.uniform(-1, 1, (fan_out, fan_in)), rng.uniform(-1, 1, fan_out)]
    return x, y, params


def mlp_logits(x, params):
    """Sigmoid hidden layers, linear output: the same code on tinygrad_edu or torch tensors."""
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        w, b = params[2 * i], params[2 * i + 1]
        z = h @ w.T + b
        h = z.sigmoid() if i < n_layers - 1 else z
    return h


def mlp_step_framework(x, y, params, lr=0.5):
    """Sigmoid MLP, mean binary cross-entropy on the logits, one gradient-descent step."""
    h = mlp_logits(x, params)
    loss = (h.softplus() - h * y).mean()
    loss.backward()
    for p in params:
        p.data -= lr * p.grad.data
        p.grad = None
    return loss


def mlp_step_numpy(x, y, params, lr=0.5):
    """The same step with hand-derived formulas (delta at the output = (sigmoid(z) - y) / size)."""
    n_layers = len(params) // 2
    acts, h = [x], x
    for i in range(n_layers):
        w, b = params[2 * i], params[2 * i + 1]
        z = h @ w.T + b
        h = 1 / (1 + np.exp(-z)) if i < n_layers - 1 else z
        acts.append(h)
    z = acts[-1]
    loss = np.mean(np.logaddexp(0, z) - y * z)
    delta = (1 / (1 + np.exp(-z)) - y) / z.size
    grads = []
    for i in reversed(range(n_layers)):
        a_prev = acts[i]
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        if i > 0:
            delta = (delta @ params[2 * i]) * a_prev * (1 - a_prev)
    for i, (gw, gb) in enumerate(reversed(grads)):
        params[2 * i] -= lr * gw
        params[2 * i + 1] -= lr * gb
    return loss


def mlp_step_torch(torch, x, y, params, lr=0.5):
    loss = torch.nn.functional.binary_cross_entropy_with_logits(mlp_logits(x, params), y)
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


# ------------------------------------------------------------------ 3. long chain, big tensors
def big_chain_framework(x0: np.ndarray, ops: int) -> np.ndarray:
    x = tg.Tensor(x0, requires_grad=True)
    y = x
    for i in range(ops):
        if i % 3 == 0:
            y = y * 0.999
        elif i % 3 == 1:
            y = y + 0.001
        else:
            y = y.tanh()
    y.backward(np.ones_like(x0))
    return x.grad.data


def big_chain_numpy(x0: np.ndarray, ops: int) -> np.ndarray:
    y, saved = x0, []
    for i in range(ops):
        if i % 3 == 0:
            y = y * 0.999
        elif i % 3 == 1:
            y = y + 0.001
        else:
            y = np.tanh(y)
            saved.append(y)
    g = np.ones_like(x0)
    for i in reversed(range(ops)):
        if i % 3 == 0:
            g = g * 0.999
        elif i % 3 == 2:
            t = saved.pop()
            g = g * (1 - t * t)
    return g


def main() -> None:
    quick, torch = parse_args(__doc__)
    reps = 3 if quick else 7

    steps = 1000 if quick else 3000
    nodes = 3 * steps
    cands = {"tinygrad_edu": lambda: chain_tiny_framework(steps),
             "hand NumPy": lambda: chain_tiny_numpy(steps)}
    if torch is not None:
        cands["PyTorch eager"] = lambda: chain_tiny_torch(torch, steps)
    times = compare(cands, reps)
    report(f"1. per-op node, forward + backward, 1-element float64 tensors "
           f"({nodes} nodes of mul/add/tanh)", "us/node", 1e6 / nodes, times, "hand NumPy")
    per_node = statistics.median(times["tinygrad_edu"]) / nodes * 1e6
    print(f"  target: tinygrad_edu <= 5 us/node: {'met' if per_node <= 5 else 'NOT met'} "
          f"({per_node:.2f} us)")
    if torch is not None:
        vs_torch = statistics.median(
            a / b for a, b in zip(times["tinygrad_edu"], times["PyTorch eager"]))
        print(f"  tinygrad_edu / PyTorch eager per node: {vs_torch:.2f} (the issue measured "
              f"PyTorch at 5.2 us: 5 us is 0.96 of PyTorch)")

    x, y, params = mlp_data()
    tparams = [tg.Tensor(p.copy(), requires_grad=True) for p in params]
    nparams = [p.copy() for p in params]
    cands = {"tinygrad_edu": lambda: mlp_step_framework(x, y, tparams),
             "hand NumPy": lambda: mlp_step_numpy(x, y, nparams)}
    if torch is not None:
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        pparams = [torch.tensor(p, requires_grad=True) for p in params]
        cands["PyTorch eager"] = lambda: mlp_step_torch(torch, tx, ty, pparams)
    report("2. one full-batch step, 256-30-20-10 sigmoid MLP, 1493 samples, float64",
           "ms", 1e3, compare(cands, reps * 5), "hand NumPy", target=1.15)

    size, ops = (300, 300) if quick else (1000, 1000)
    x0 = np.random.default_rng(0).standard_normal((size, size))
    cands = {"tinygrad_edu": lambda: big_chain_framework(x0, ops),
             "hand NumPy": lambda: big_chain_numpy(x0, ops)}
    report(f"3. chain of {ops} ops (mul, add, tanh) on {size}x{size} float64, "
           f"forward + backward", "s", 1, compare(cands, 3), "hand NumPy", target=1.2)

if __name__ == "__main__":
    main()
