"""What a compiled step keeps of the eager call's semantics: guards (shapes, dtypes, fixed
optimizer options, replaced parameters), schedulers, random draws, modules with state,
errors, return structures and the gradients left behind.  Every test compares a compiled
twin with an eager twin bitwise (see ``_twins.py``)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

from ._twins import assert_same_state, assert_same_value, run_twins, twins


def _mse(model, x, y):
    return nn.MSELoss()(model(x), y)


def _ce(model, x, y):
    return nn.CrossEntropyLoss()(model(x), y)


def _data(rng, n, d_in, d_out, dtype=np.float64):
    return tg.Tensor(rng.standard_normal((n, d_in)).astype(dtype)), \
        tg.Tensor(rng.standard_normal((n, d_out)).astype(dtype))


def _small(dtype=np.float64):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    return model.double() if dtype == np.float64 else model.float()


# ------------------------------------------------------------------ bugs found (xfail)
@pytest.mark.xfail(strict=True, raises=ValueError,
                   reason="compile bug: Trace._captured finds a captured array by id() alone; "
                          "a dead temporary's id reused by a new constant gets the old Sym")
def test_temporary_constants_with_a_reused_id():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).double()
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        loss = model(x).sum() + (model[0].weight * model[0].weight).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    compiled = tg.compile(step)
    x = tg.Tensor(np.ones((4, 3)))
    for _ in range(3):
        compiled(x)  # the third call replays: ValueError (shapes (1,) vs (1, 4))


@pytest.mark.xfail(strict=True,
                   reason="compile bug: a replayed 0-d result is wrapped as a NumPy scalar "
                          "(np.float64), not a 0-d ndarray, so in-place ops on it fail")
def test_returned_scalar_is_an_array():
    w = tg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def step(x):
        loss = (x * w).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    compiled = tg.compile(step)
    x = tg.Tensor(np.ones(3))
    losses = [compiled(x) for _ in range(4)]      # warm-up, trace, check, replay
    assert all(type(loss.data) is np.ndarray for loss in losses), \
        [type(loss.data).__name__ for loss in losses]
