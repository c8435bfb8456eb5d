"""Convolution speed: F.conv2d (unfold + one matmul, backward through fold) and a small CNN.

Run:  python benchmarks/bench_conv.py [--quick]

Interleaved in the same run (BLAS pinned to one thread), in float32 and float64:

1. conv2d forward + backward (input, weight and bias gradients) on (64, 16, 32, 32) with a
   3x3 kernel, 16 -> 16 channels, padding 1, against a hand-written NumPy im2col version of
   the same maths (target: at most 1.3x);
2. one SGD training step of a LeNet-5-size network (conv 1->6 5x5 pad 2, ReLU, 2x2 max
   pool, conv 6->16 5x5, ReLU, pool, 400-120-84-10) on a batch of 64 28x28 images, against
   PyTorch eager when installed (target: at most 2.5x).  The pooling here is the maximum of
   four strided slices (tinygrad_edu has no MaxPool2d yet); PyTorch uses its ``MaxPool2d``.
"""

from __future__ import annotations

import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
import numpy as np
from _harness import compare, parse_args, report
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim


def conv_data(n: int, c: int, o: int, size: int, dtype, seed: int = 0):
    """x (n, c, size, size), weight (o, c, 3, 3), bias (o,), upstream gradient (n, o, size,
    size)."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(s).astype(dtype)
                 for s in ((n, c, size, size), (o, c, 3, 3), (o,), (n, o, size, size)))


# ------------------------------------------------------------------ 1. conv2d
def conv_framework(x, w, b, g):
    """y = conv2d(x, w, b, padding=1); y.backward(g): returns y and the three gradients."""
    xt, wt, bt = (tg.Tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xt, wt, bt, padding=1)
    y.backward(g)
    return y.data, xt.grad.data, wt.grad.data, bt.grad.data


def conv_numpy(x, w, b, g):
    """The same by hand: im2col with sliding_window_view, one matmul forward; backward
    dW = sum_n G_n cols_n^T, d cols = W^T G scattered back (col2im, one += per kernel
    offset), db = sum of G."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = sliding_window_view(xp, (kh, kw), axis=(2, 3)).transpose(0, 1, 4, 5, 2, 3)
    cols = cols.reshape(n, c * kh * kw, h * wd)
    wm = w.reshape(o, -1)
    y = (wm @ cols).reshape(n, o, h, wd) + b[:, None, None]
    gm = g.reshape(n, o, h * wd)
    gb = g.sum(axis=(0, 2, 3))
    gw = (gm @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    gcols = (wm.T @ gm).reshape(n, c, kh, kw, h, wd)
    gxp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + h, j:j + wd] += gcols[:, :, i, j]
    return y, gxp[:, :, 1:-1, 1:-1], gw, gb


# ------------------------------------------------------------------ 2. LeNet-5 step
class MaxPool2x2(nn.Module):
    """2x2 max pooling, stride 2, as the maximum of the four strided slices (an ``amax``
    over the window axes of a reshape is 7x slower: NumPy reduces short, strided axes
    slowly)."""

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        top = tg.maximum(x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2])
        return tg.maximum(top, tg.maximum(x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]))


def lenet(m, pool):
    return m.Sequential(m.Conv2d(1, 6, 5, padding=2), m.ReLU(), pool(),
                        m.Conv2d(6, 16, 5), m.ReLU(), pool(), m.Flatten(),
                        m.Linear(400, 120), m.ReLU(), m.Linear(120, 84), m.ReLU(),
                        m.Linear(84, 10))


def lenet_data(n: int, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28)).astype(dtype), rng.integers(0, 10, n)


def framework_step(model, opt, loss_fn, x, y) -> None:
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def run(dtype, quick: bool, torch) -> None:
    name = np.dtype(dtype).name
    reps = 3 if quick else 7
    x, w, b, g = conv_data(16 if quick else 64, 16, 16, 32, dtype)
    times = compare({"tinygrad_edu": lambda: conv_framework(x, w, b, g),
                     "hand NumPy im2col": lambda: conv_numpy(x, w, b, g)}, reps)
    report(f"1. conv2d forward + backward, {x.shape} 3x3 16->16 pad 1, {name}", "ms", 1e3,
           times, "hand NumPy im2col", target=1.3)
    if torch is None:
        return
    tg.set_default_dtype(dtype)
    torch.set_default_dtype(getattr(torch, name))
    try:
        tg.manual_seed(0)
        model = lenet(nn, MaxPool2x2)
        tmodel = lenet(torch.nn, lambda: torch.nn.MaxPool2d(2))
        tmodel.load_state_dict({k: torch.tensor(v.data) for k, v in model.state_dict().items()})
        opt, topt = optim.SGD(model.parameters(), lr=0.01), torch.optim.SGD(
            tmodel.parameters(), lr=0.01)
        xs, ys = lenet_data(64, dtype)
        xt, yt = tg.from_numpy(xs), tg.from_numpy(ys)
        txs, tys = torch.from_numpy(xs), torch.from_numpy(ys)
        loss_fn, tloss_fn = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
        times = compare({
            "tinygrad_edu": lambda: framework_step(model, opt, loss_fn, xt, yt),
            "PyTorch eager": lambda: framework_step(tmodel, topt, tloss_fn, txs, tys)},
            reps * 3)
        report(f"2. LeNet-5 SGD step, batch 64 of 28x28, {name}", "ms", 1e3, times,
               "PyTorch eager", target=2.5)
    finally:
        tg.set_default_dtype(np.float32)
        torch.set_default_dtype(torch.float32)


def main() -> None:
    quick, torch = parse_args(__doc__)
    for dtype in (np.float32, np.float64):
        run(dtype, quick, torch)


if __name__ == "__main__":
    main()
