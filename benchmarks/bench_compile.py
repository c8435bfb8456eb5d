"""`tinygrad_edu.compile` on the articles' networks, beside eager, jax.jit, PyTorch and NumPy.

Run:  python benchmarks/bench_compile.py [--quick] [--dtype float64|float32|both]
                                         [--min-buffer N[,N...]]

Five workloads (issue 18), each trained the way its article trains it, on synthetic data of
the article's shapes:

1. article 000: 256-30-20-10, sigmoid everywhere, binary cross-entropy summed over the 10
   outputs and averaged over 1493 samples + L2 (lambda 0.1, biases left out); full-batch
   gradient descent, lr 1;
2. article 001: 64-200-10, sigmoid hidden, softmax cross-entropy; per-sample SGD, lr 0.01,
   one epoch of 1437 samples;
3. article 002: 784-32-10, ReLU hidden, ReLU then softmax cross-entropy; per-sample SGD,
   lr 0.05, one epoch of 3500 samples;
4. the same 784-32-10 network without the output ReLU, minibatch SGD (batch 64), one
   epoch of 60000 samples (MNIST-sized);
5. article 004: 12288-20-7-5-1, ReLU hidden, sigmoid output, binary cross-entropy over 209
   samples; full-batch gradient descent, lr 0.0075.

Candidates, interleaved round by round in the same run (see _harness; BLAS pinned to one
thread): hand-written NumPy (the reference of every ratio), tinygrad_edu eager,
tinygrad_edu compiled (``tg.compile(step)``, warmed up past its trace and check calls),
``jax.jit`` of the whole step (float64 mode for float64; a per-sample epoch is a Python
loop over the jitted step, as a learner writes it) when jax is installed (the ``bench``
extra), and PyTorch eager when installed.  The framework and PyTorch use ``nn`` layers,
the loss modules and ``optim.SGD``.  ``--min-buffer 0,4096,1000000000`` times one compiled
candidate per ``min_buffer`` value instead of the default.
"""

from __future__ import annotations

import dataclasses
import statistics

import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
import numpy as np
from _harness import compare, parser, print_allocator, try_import_torch
from bench_training import framework_model, init_params, make_data, numpy_epoch, torch_model

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


@dataclasses.dataclass(frozen=True)
class Workload:
    """One network, its loss and its training loop.  ``batch=None``: full batch, and one
    timed run is ``steps`` gradient steps; otherwise one timed run is an epoch."""
    title: str
    sizes: tuple[int, ...]
    n: int
    batch: int | None
    lr: float
    hidden: str          # "sigmoid" or "relu"
    loss: str            # "ce": softmax cross-entropy (mean); "bce": sum of BCE / m
    lam: float = 0.0     # L2 term lam / (2m) sum(w^2), biases left out ("bce" only)
    relu_out: bool = False
    steps: int = 1
    target: float | None = None


def workloads(quick: bool) -> list[Workload]:
    return [
        Workload("full-batch step, 256-30-20-10 sigmoid, 1493 samples (article 000)",
                 (256, 30, 20, 10), 1493, None, 1.0, "sigmoid", "bce", lam=0.1,
                 steps=5 if quick else 20, target=0.85),
        Workload("per-sample SGD epoch, 64-200-10 (article 001)",
                 (64, 200, 10), 400 if quick else 1437, 1, 0.01, "sigmoid", "ce", target=1.2),
        Workload("per-sample SGD epoch, 784-32-10 (article 002)",
                 (784, 32, 10), 500 if quick else 3500, 1, 0.05, "relu", "ce", relu_out=True,
                 target=1.1),
        Workload("batch-64 SGD epoch, 784-32-10",
                 (784, 32, 10), 6400 if quick else 60000, 64, 0.05, "relu", "ce", target=1.0),
        Workload("full-batch step, 12288-20-7-5-1 (article 004)",
                 (12288, 20, 7, 5, 1), 209, None, 0.0075, "relu", "bce",
                 steps=2 if quick else 5, target=0.7),
    ]


def data(wl: Workload, dtype):
    """Inputs (n, sizes[0]) and targets: class indices ("ce") or 0/1 floats (n, k) ("bce")."""
    n_out = wl.sizes[-1]
    x, y = make_data(wl.n, wl.sizes[0], max(n_out, 2))
    if wl.loss == "ce":
        return x.astype(dtype), y
    targets = y[:, None] if n_out == 1 else np.eye(n_out)[y]
    return x.astype(dtype), targets.astype(dtype)


def batches(wl: Workload, x, y):
    size = wl.n if wl.batch is None else wl.batch
    return [(x[i:i + size], y[i:i + size]) for i in range(0, wl.n, size)]


# ------------------------------------------------------------------ hand-written NumPy
def numpy_bce_step(params, x, targets, lr: float, hidden: str, lam: float) -> float:
    """Articles 000/004 by hand: J = sum(BCE(sigmoid(z), t)) / m + lam/(2m) sum(w^2); the
    output delta is (sigmoid(z) - t) / m; one gradient-descent step.  Returns J."""
    m = len(x)
    acts, h = [x], x
    for k, (w, b) in enumerate(params):
        z = h @ w.T + b
        if k < len(params) - 1:
            h = 1 / (1 + np.exp(-z)) if hidden == "sigmoid" else np.maximum(z, 0)
            acts.append(h)
    cost = np.sum(np.logaddexp(0, z) - targets * z) / m
    if lam:
        cost += lam / (2 * m) * sum(np.sum(w * w) for w, _ in params)
    delta = (1 / (1 + np.exp(-z)) - targets) / m
    for k in reversed(range(len(params))):
        w, b = params[k]
        a_prev = acts[k]
        gw, gb = delta.T.dot(a_prev), delta.sum(axis=0)  # as bench_training.numpy_epoch
        if lam:
            gw += lam / m * w
        if k > 0:
            delta = delta @ w
            delta *= a_prev * (1 - a_prev) if hidden == "sigmoid" else (a_prev > 0)
        w -= lr * gw
        b -= lr * gb
    return cost


def numpy_run(wl: Workload, params, x, y) -> None:
    if wl.loss == "ce":
        numpy_epoch(params, x, y, wl.batch, wl.lr, wl.hidden, wl.relu_out)
    else:
        for _ in range(wl.steps):
            numpy_bce_step(params, x, y, wl.lr, wl.hidden, wl.lam)


# ------------------------------------------------------------------ tinygrad_edu
def framework_step(wl: Workload, params, dtype):
    """The training step as a user writes it: forward, loss, backward, step, zero_grad."""
    model = framework_model(params, nn.Sigmoid if wl.hidden == "sigmoid" else nn.ReLU,
                            dtype, wl.relu_out)
    opt = optim.SGD(model.parameters(), lr=wl.lr)
    if wl.loss == "ce":
        loss_fn = nn.CrossEntropyLoss()
    else:
        bce = nn.BCEWithLogitsLoss(reduction="sum")

        def loss_fn(logits, targets):
            cost = bce(logits, targets) / wl.n
            return cost + nn.utils.l2_penalty(model, wl.lam, wl.n) if wl.lam else cost

    def step(xb, yb):
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return model, step


def framework_run(wl: Workload, step, data_batches) -> None:
    for _ in range(wl.steps if wl.batch is None else 1):
        for xb, yb in data_batches:
            step(xb, yb)


# ------------------------------------------------------------------ jax
def try_import_jax():
    """jax in float64 mode (float32 arrays stay float32), or None when not installed."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def jax_step(jax, wl: Workload):
    """The whole step (forward, loss, gradient, SGD update) as one jitted function."""
    jnp = jax.numpy

    def loss_fn(params, xb, yb):
        h = xb
        for k, (w, b) in enumerate(params):
            h = h @ w.T + b
            if k < len(params) - 1:
                h = jax.nn.sigmoid(h) if wl.hidden == "sigmoid" else jax.nn.relu(h)
        if wl.relu_out:
            h = jax.nn.relu(h)
        if wl.loss == "ce":
            lse = jax.nn.logsumexp(h, axis=1)
            return jnp.mean(lse - jnp.take_along_axis(h, yb[:, None], axis=1)[:, 0])
        cost = jnp.sum(jax.nn.softplus(h) - yb * h) / wl.n
        if wl.lam:
            cost += wl.lam / (2 * wl.n) * sum(jnp.sum(w * w) for w, _ in params)
        return cost

    @jax.jit
    def step(params, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - wl.lr * g, params, grads), loss

    return step


def jax_run(jax, wl: Workload, step, state: list, data_batches) -> None:
    params = state[0]
    for _ in range(wl.steps if wl.batch is None else 1):
        for xb, yb in data_batches:
            params, _ = step(params, xb, yb)
    state[0] = jax.block_until_ready(params)


# ------------------------------------------------------------------ PyTorch
def torch_step(torch, wl: Workload, params, dtype):
    model = torch_model(torch, params, wl.hidden, getattr(torch, np.dtype(dtype).name),
                        wl.relu_out)
    opt = torch.optim.SGD(model.parameters(), lr=wl.lr)
    ce = torch.nn.CrossEntropyLoss()
    bce = torch.nn.BCEWithLogitsLoss(reduction="sum")

    def step(xb, yb):
        logits = model(xb)
        if wl.loss == "ce":
            loss = ce(logits, yb)
        else:
            loss = bce(logits, yb) / wl.n
            if wl.lam:
                loss = loss + wl.lam / (2 * wl.n) * sum(
                    (mod.weight ** 2).sum() for mod in model if hasattr(mod, "weight"))
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return model, step


# ------------------------------------------------------------------ the table
def candidates(wl: Workload, dtype, min_buffers, jax, torch) -> dict:
    x, y = data(wl, dtype)
    params = init_params(wl.sizes)
    nparams = [(w.astype(dtype), b.astype(dtype)) for w, b in params]
    tg_batches = [(tg.from_numpy(xb), tg.from_numpy(yb)) for xb, yb in batches(wl, x, y)]
    _, eager = framework_step(wl, params, dtype)
    cands = {"hand NumPy": lambda: numpy_run(wl, nparams, x, y),
             "eager": lambda: framework_run(wl, eager, tg_batches)}
    for mb in min_buffers:
        _, fn = framework_step(wl, params, dtype)
        compiled = tg.compile(fn) if mb is None else tg.compile(fn, min_buffer=mb)
        name = "compiled" if mb is None else f"compiled mb={mb:g}"
        try:
            for _ in range(3):  # warm-up, trace, check: every later call replays
                for xb, yb in tg_batches[-1:] + tg_batches[:1]:
                    compiled(xb, yb)
        except Exception as e:  # a compiler bug: report it, time the rest
            print(f"  {name} FAILED on {wl.title}: {type(e).__name__}: "
                  f"{str(e).splitlines()[0][:200]}")
            continue
        cands[name] = (lambda c: lambda: framework_run(wl, c, tg_batches))(compiled)
    if jax is not None:
        jstep = jax_step(jax, wl)
        jstate = [[(jax.numpy.asarray(w), jax.numpy.asarray(b)) for w, b in nparams]]
        jbatches = batches(wl, x, y)
        cands["jax.jit"] = lambda: jax_run(jax, wl, jstep, jstate, jbatches)
    if torch is not None:
        _, tstep = torch_step(torch, wl, params, dtype)
        t_batches = [(torch.from_numpy(xb), torch.from_numpy(yb))
                     for xb, yb in batches(wl, x, y)]
        cands["PyTorch eager"] = lambda: framework_run(wl, tstep, t_batches)
    return cands


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--dtype", choices=["float64", "float32", "both"], default="both")
    ap.add_argument("--min-buffer", default=None,
                    help="comma-separated min_buffer values, one compiled candidate each")
    args = ap.parse_args()
    print_allocator()
    torch, jax = try_import_torch(), try_import_jax()
    print(f"jax: {'jax ' + jax.__version__ if jax else 'not installed'}; "
          f"PyTorch: {'torch ' + torch.__version__ if torch else 'not installed'}")
    min_buffers = ([None] if args.min_buffer is None
                   else [int(float(v)) for v in args.min_buffer.split(",")])
    dtypes = ["float64", "float32"] if args.dtype == "both" else [args.dtype]
    rounds = 3 if args.quick else 9
    rows = []
    for dtype in dtypes:
        for wl in workloads(args.quick):
            cands = candidates(wl, np.dtype(dtype), min_buffers, jax, torch)
            times = compare(cands, rounds)
            base = times["hand NumPy"]
            ratios = {name: statistics.median(t / b for t, b in zip(ts, base))
                      for name, ts in times.items()}
            unit = "epoch" if wl.batch else f"{wl.steps} steps"
            print(f"{dtype} {wl.title}: hand NumPy {statistics.median(base) * 1e3:.1f} ms/"
                  f"{unit}; " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()
                                          if k != "hand NumPy"), flush=True)
            rows.append((dtype, wl, unit, statistics.median(base), ratios))
    compiled = ["compiled" if mb is None else f"compiled mb={mb:g}" for mb in min_buffers]
    names = ["eager", *compiled] + (["jax.jit"] if jax else []) + \
        (["PyTorch eager"] if torch else [])
    print("\n| workload | dtype | hand NumPy | " + " | ".join(names) + " | target (compiled) |")
    print("|---|---|---|" + "---|" * len(names) + "---|")
    for dtype, wl, unit, base, ratios in rows:
        cells = [f"{ratios[k]:.2f}x" if k in ratios else "fails" for k in names]
        print(f"| {wl.title} | {dtype} | {base * 1e3:.1f} ms/{unit} | " + " | ".join(cells)
              + f" | <= {wl.target:g}x |")


if __name__ == "__main__":
    main()
