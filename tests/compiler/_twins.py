"""Twin training runs for the compile tests: one model trained eagerly, an identical copy
trained through ``tinygrad_edu.compile``, and the comparisons between them.

A *twin* is ``(model, optimizer, step)``; both twins start from the same weights (a deep
copy) and get the same data, so every difference after N steps is the compiler's.  All
comparisons are bitwise (``np.array_equal``): the program runs the same NumPy operations
as the eager call, in the same order, so nothing looser is expected.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu import nn

LossOf = Callable[[Any, tg.Tensor, tg.Tensor], tg.Tensor]

# the four optimizers of the equality tests (issue 18)
OPTIMIZERS: dict[str, Callable[[Any, float], optim.Optimizer]] = {
    "sgd": lambda ps, lr: optim.SGD(ps, lr=lr),
    "momentum": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9),
    "nesterov": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
    "adam": lambda ps, lr: optim.Adam(ps, lr=lr),
}


def train_step(model: Any, opt: optim.Optimizer, loss_of: LossOf) -> Callable[..., tg.Tensor]:
    """The usual step: loss, zero_grad, backward, step; returns the loss."""
    def step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        loss = loss_of(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def twins(model: Any, make_opt: Callable[[Any], optim.Optimizer], loss_of: LossOf
          ) -> tuple[tuple[Any, optim.Optimizer, Callable], tuple[Any, optim.Optimizer, Any]]:
    """(eager model, its optimizer, its step), (compiled copy, its optimizer, compiled step)."""
    copy_ = copy.deepcopy(model)
    opt_e, opt_c = make_opt(model.parameters()), make_opt(copy_.parameters())
    return ((model, opt_e, train_step(model, opt_e, loss_of)),
            (copy_, opt_c, tg.compile(train_step(copy_, opt_c, loss_of))))


def arrays(value: Any) -> list[Any]:
    """The arrays (and other leaves) of a returned value, flattened in order.  A Tensor's
    data is taken with ``np.asarray`` (a replay's 0-d result is a NumPy scalar: that bug
    has its own test, ``test_semantics.py::test_returned_scalar_is_an_array``)."""
    if isinstance(value, tg.Tensor):
        return [np.asarray(value.data)]
    if isinstance(value, tuple | list):
        return [a for v in value for a in arrays(v)]
    if isinstance(value, dict):
        return [a for k in sorted(value) for a in arrays(value[k])]
    return [value]


def assert_same_value(a: Any, b: Any, what: str = "result") -> None:
    assert type(a) is type(b), f"{what}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{what}: keys {list(a)} vs {list(b)}"
    if isinstance(a, tuple | list):
        assert len(a) == len(b), f"{what}: length {len(a)} vs {len(b)}"
    for x, y in zip(arrays(a), arrays(b), strict=True):
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray), what
            assert x.dtype == y.dtype and x.shape == y.shape, \
                f"{what}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}"
            assert np.array_equal(x, y, equal_nan=True), \
                f"{what} differs: max |diff| {np.max(np.abs(x.astype(float) - y.astype(float)))}"
        else:
            assert x == y, f"{what}: {x!r} vs {y!r}"


def snapshot(twin: tuple) -> list[tuple[str, Any]]:
    """Copies of a twin's parameters, buffers, gradients and optimizer state, labelled."""
    model, opt = twin[0], twin[1]
    out: list[tuple[str, Any]] = []
    for name, t in model.state_dict().items():
        out.append((name, np.array(t.data if isinstance(t, tg.Tensor) else t)))
    for name, p in model.named_parameters():
        out.append((name + ".grad", None if p.grad is None else np.array(p.grad.data)))
    if opt is not None:
        state = opt.state_dict()
        out.append(("optimizer param_groups", copy.deepcopy(state["param_groups"])))
        for k in sorted(state["state"]):
            for key, v in state["state"][k].items():
                value = np.array(v.data if isinstance(v, tg.Tensor) else v)
                out.append((f"optimizer state[{k}][{key!r}]", value))
    return out


def assert_same_snapshot(a: list[tuple[str, Any]], b: list[tuple[str, Any]],
                         where: str = "") -> None:
    assert [k for k, _ in a] == [k for k, _ in b], f"{where}different state entries"
    for (label, x), (_, y) in zip(a, b):
        if x is None or y is None:
            assert x is None and y is None, f"{where}{label}: {x!r} vs {y!r}"
        elif isinstance(x, np.ndarray):
            assert_same_value(x, y, where + label)
        else:
            assert x == y, f"{where}{label}: {x!r} vs {y!r}"


def assert_same_state(eager: tuple, compiled: tuple, where: str = "") -> None:
    """Parameters, buffers, gradients and optimizer state of the two twins: bitwise equal."""
    assert_same_snapshot(snapshot(eager), snapshot(compiled), where)


def run_twins(eager: tuple, compiled: tuple, batches: list[tuple], steps: int,
              every: bool = False, after: Callable[[], Any] | None = None) -> None:
    """``steps`` calls of both steps on the same batches (cycled), results compared at every
    step (the whole state too if ``every``, else at the end); ``after()`` runs after each
    pair of calls (a scheduler's step, say).  With ``every``, the results and gradient
    tensors each call left are compared again at the end: a later call must not change
    them (a program's reused buffer showing through would)."""
    kept: list[tuple[Any, Any]] = []
    for i in range(steps):
        args = batches[i % len(batches)]
        results = eager[2](*args), compiled[2](*args)
        assert_same_value(*results, f"step {i} result")
        if after is not None:
            after()
        if every:
            assert_same_state(eager, compiled, f"after step {i}: ")
            grads = tuple([p.grad for p in twin[0].parameters()] for twin in (eager, compiled))
            kept += [results, grads]
    assert_same_state(eager, compiled, f"after {steps} steps: ")
    for i, (a, b) in enumerate(kept):
        assert_same_value(a, b, f"results or grads left by step {i // 2}, at the end")


def run_apart(eager: tuple, compiled: tuple, batches: list[tuple], steps: int,
              seed: int = 0) -> list[Any]:
    """As `run_twins`, for steps that draw random numbers from the global generator: the
    eager twin's ``steps`` calls first, then the compiled twin's, each after
    ``tg.manual_seed(seed)``, compared call by call (results and state).  Returns the
    compiled results."""
    runs = []
    for twin in (eager, compiled):
        tg.manual_seed(seed)
        run = []
        for i in range(steps):
            result = twin[2](*batches[i % len(batches)])
            run.append((result, snapshot(twin)))
        runs.append(run)
    for i, ((r_e, s_e), (r_c, s_c)) in enumerate(zip(*runs)):
        assert_same_value(r_e, r_c, f"step {i} result")
        assert_same_snapshot(s_e, s_c, f"after step {i}: ")
    return [r for r, _ in runs[1]]


def mlp(sizes: tuple[int, ...], activation: type, output: type | None = None) -> nn.Sequential:
    """Linear -> activation per hidden layer, then Linear (-> output activation)."""
    layers: list[Any] = []
    for n_in, n_out in itertools.pairwise(sizes[:-1]):
        layers += [nn.Linear(n_in, n_out), activation()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    if output is not None:
        layers.append(output())
    return nn.Sequential(*layers)
