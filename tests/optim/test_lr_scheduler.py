"""Schedulers: the learning rates they set, epoch by epoch, against the closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu.optim import lr_scheduler

EPOCHS = 25


def _optimizer(lrs=(0.1, 0.02)):
    return optim.SGD([{"params": [nn.Parameter(np.ones(1))], "lr": lr} for lr in lrs])


def _sequence(sched, opt):
    seen = []
    for _ in range(EPOCHS):
        seen.append(sched.get_last_lr())
        assert seen[-1] == [g["lr"] for g in opt.param_groups]
        opt.step()
        sched.step()
    return np.array(seen)


CASES = {
    "step": (lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
             lambda base, e: base * 0.5 ** (e // 4)),
    "exponential": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
                    lambda base, e: base * 0.9**e),
    "cosine": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001),
               lambda base, e: 0.001 + (base - 0.001) * (1 + math.cos(math.pi * e / 6)) / 2),
}


@pytest.mark.parametrize("name", CASES)
def test_lr_sequence_matches_closed_form(name):
    make, closed = CASES[name]
    opt = _optimizer()
    got = _sequence(make(opt), opt)
    want = np.array([[closed(base, e) for base in (0.1, 0.02)] for e in range(EPOCHS)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_chained_schedulers_multiply():
    opt = _optimizer((1.0,))
    a = lr_scheduler.StepLR(opt, step_size=3, gamma=0.1)
    b = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    for _ in range(6):
        opt.step()
        a.step()
        b.step()
    assert b.get_last_lr() == pytest.approx([0.1**2 * 0.5**6])


def test_state_dict_and_initial_lr():
    opt = _optimizer()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(3):
        sched.step()
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.02]
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    opt2 = _optimizer((1.0, 1.0))
    opt2.load_state_dict(opt.state_dict())
    again = lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    again.load_state_dict(state)
    for _ in range(4):
        sched.step()
        again.step()
        assert again.get_last_lr() == sched.get_last_lr()


def test_resume_needs_initial_lr_and_an_optimizer():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(_optimizer(), step_size=2, last_epoch=4)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)
