"""Schedulers: the learning rates they set, epoch by epoch, against the closed forms."""

from __future__ import annotations

import copy
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


def _warm_restarts(base, e, T_0=3, T_mult=2, eta_min=0.001):
    """SGDR's closed form: find the cycle holding epoch e, then cosine inside it."""
    T_i, start = T_0, 0
    while e >= start + T_i:
        start, T_i = start + T_i, T_i * T_mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * (e - start) / T_i)) / 2


def _cos(start, end, pct):
    return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2


def _one_cycle(top, e, total=EPOCHS, pct_start=0.3):
    """Two phases: cosine from top/25 up to top by step 0.3 total - 1, then down to
    top/25/1e4 at step total - 1."""
    low, up_end = top / 25, pct_start * total - 1
    if e <= up_end:
        return _cos(low, top, e / up_end)
    return _cos(top, low / 1e4, (e - up_end) / (total - 1 - up_end))


def _three_phase_linear(top, e, total=EPOCHS, pct_start=0.3):
    low, a, b = top / 25, pct_start * total - 1, 2 * pct_start * total - 2
    if e <= a:
        return low + (top - low) * e / a
    if e <= b:
        return top + (low - top) * (e - a) / (b - a)
    return low + (low / 1e4 - low) * (e - b) / (total - 1 - b)


CASES = {
    "step": (lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
             lambda base, e: base * 0.5 ** (e // 4)),
    "exponential": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
                    lambda base, e: base * 0.9**e),
    "cosine": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001),
               lambda base, e: 0.001 + (base - 0.001) * (1 + math.cos(math.pi * e / 6)) / 2),
    "lambda": (lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e)),
               lambda base, e: base / (1 + e)),
    "multiplicative": (lambda o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.5 + 0.5 / e),
                       lambda base, e: base * math.prod(0.5 + 0.5 / k for k in range(1, e + 1))),
    "multistep": (lambda o: lr_scheduler.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5),
                  lambda base, e: base * 0.5 ** sum(e >= m for m in (3, 7, 7, 12))),
    "constant": (lambda o: lr_scheduler.ConstantLR(o, factor=0.25, total_iters=6),
                 lambda base, e: base * (0.25 if e < 6 else 1.0)),
    "linear": (lambda o: lr_scheduler.LinearLR(o, start_factor=0.2, end_factor=0.9,
                                               total_iters=7),
               lambda base, e: base * (0.2 + 0.7 * min(e, 7) / 7)),
    "polynomial": (lambda o: lr_scheduler.PolynomialLR(o, total_iters=8, power=2.0),
                   lambda base, e: base * (1 - min(e, 8) / 8) ** 2),
    "warm_restarts": (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                          eta_min=0.001),
                      _warm_restarts),
    "warm_restarts_1": (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=4),
                        lambda base, e: _warm_restarts(base, e, 4, 1, 0.0)),
    "one_cycle": (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0, 0.2], total_steps=EPOCHS),
                  lambda base, e: _one_cycle(base * 10, e)),
    "one_cycle_3_linear": (lambda o: lr_scheduler.OneCycleLR(
        o, max_lr=[1.0, 0.2], epochs=5, steps_per_epoch=5, three_phase=True,
        anneal_strategy="linear"), lambda base, e: _three_phase_linear(base * 10, e)),
    "sequential": (lambda o: lr_scheduler.SequentialLR(o, [
        lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=4),
        lr_scheduler.ExponentialLR(o, gamma=0.9), lr_scheduler.StepLR(o, step_size=3)],
        milestones=[5, 12]),
        lambda base, e: (base * (0.1 + 0.9 * min(e, 4) / 4) if e < 5 else
                         base * 0.9 ** (e - 5) if e < 12 else base * 0.1 ** ((e - 12) // 3))),
    "chained": (lambda o: lr_scheduler.ChainedScheduler([
        lr_scheduler.ConstantLR(o, factor=0.1, total_iters=10),
        lr_scheduler.ExponentialLR(o, gamma=0.9)]),
        lambda base, e: base * (0.1 if e < 10 else 1.0) * 0.9**e),
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


@pytest.mark.parametrize("opt, read", [
    (lambda: optim.SGD([nn.Parameter(np.ones(1))], lr=0.1, momentum=0.5),
     lambda g: g["momentum"]),
    (lambda: optim.Adam([nn.Parameter(np.ones(1))]), lambda g: g["betas"][0]),
], ids=["sgd-momentum", "adam-beta1"])
def test_one_cycle_cycles_momentum_and_betas(opt, read):
    opt = opt()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=EPOCHS)
    seen = []
    for _ in range(EPOCHS):
        seen.append(read(opt.param_groups[0]))
        opt.step()
        sched.step()
    up_end = 0.3 * EPOCHS - 1  # momentum: 0.95 down to 0.85 while the rate rises, then back
    want = [_cos(0.95, 0.85, e / up_end) if e <= up_end else
            _cos(0.85, 0.95, (e - up_end) / (EPOCHS - 1 - up_end)) for e in range(EPOCHS)]
    np.testing.assert_allclose(seen, want, rtol=1e-12)
    assert opt.param_groups[0].get("betas", (0, 0.999))[1] == 0.999
    assert sched.last_epoch == EPOCHS  # step total_steps is allowed (PyTorch), not one more
    with pytest.raises(ValueError, match="Tried to step 26 times"):
        sched.step()


def test_reduce_on_plateau_follows_patience_threshold_and_cooldown():
    opt = _optimizer((1.0, 0.5))
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2,
                                           threshold=0.1, cooldown=1, min_lr=[0.2, 0.3])
    # best 10; 9.5 is not 10% better: bad epochs 1, 2, 3 > patience -> reduce at index 3;
    # the cooldown swallows index 4; bad epochs 1, 2, 3 at 5, 6, 7 -> reduce at index 7
    # (the second group is held at its min_lr); 8.0 is a new best, 9.0 a first bad epoch
    metrics = [10, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 8.0, 9.0]
    got = []
    for m in metrics:
        sched.step(m)
        got.append(sched.get_last_lr())
    assert got == [[1.0, 0.5]] * 3 + [[0.5, 0.3]] * 4 + [[0.25, 0.3]] * 3
    assert sched.best == 8.0 and sched.num_bad_epochs == 1


@pytest.mark.parametrize("mode, threshold_mode, metrics, reduced", [
    ("min", "rel", [1.0, 0.95, 0.95], False),   # 0.95 < 1 * (1 - 0.01): better
    ("min", "rel", [1.0, 0.995, 0.995], True),  # not 1% better twice
    ("min", "abs", [1.0, 0.995, 0.985], False),  # 0.985 < 1 - 0.01
    ("max", "rel", [1.0, 1.02, 1.04], False),
    ("max", "abs", [1.0, 1.005, 1.009], True),
])
def test_reduce_on_plateau_modes(mode, threshold_mode, metrics, reduced):
    opt = _optimizer((1.0,))
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode=mode, patience=1, threshold=0.01,
                                           threshold_mode=threshold_mode)
    for m in metrics:
        sched.step(m)
    assert sched.get_last_lr() == ([0.1] if reduced else [1.0])


def test_reduce_on_plateau_eps_skips_tiny_changes_and_accepts_tensors():
    import tinygrad_edu as tg
    opt = _optimizer((1e-8,))
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(tg.Tensor(1.0))
    sched.step(tg.Tensor(2.0))
    assert sched.get_last_lr() == [1e-8]  # 1e-8 - 1e-9 is below eps = 1e-8


class Halving:
    """A callable object: its __dict__ goes into the state dict (a lambda's does not)."""

    def __init__(self):
        self.factor = 0.5

    def __call__(self, epoch):
        return self.factor**epoch


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_continues_identically(name):
    make, _ = CASES[name]
    opt = _optimizer()
    sched = make(opt)
    for _ in range(7):
        opt.step()
        sched.step()
    state = copy.deepcopy(sched.state_dict())
    assert "optimizer" not in state
    opt2 = _optimizer((1.0, 1.0))
    sched2 = make(opt2)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(state)
    for _ in range(EPOCHS - 8):
        opt.step()
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert [g["lr"] for g in opt2.param_groups] == sched.get_last_lr()


def test_lambda_state_dict_keeps_callable_objects_not_functions():
    opt = _optimizer()
    halving = Halving()
    sched = lr_scheduler.LambdaLR(opt, [halving, lambda e: 1.0])
    halving.factor = 0.25
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"factor": 0.25}, None]
    other = Halving()
    again = lr_scheduler.LambdaLR(_optimizer(), [other, lambda e: 1.0])
    again.load_state_dict(state)
    assert other.factor == 0.25 and "lr_lambdas" in state


def test_step_with_epoch_uses_the_closed_form_and_warns():
    opt = _optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(7)
    assert sched.get_last_lr() == [0.1 * 0.25, 0.02 * 0.25]


@pytest.mark.parametrize("make, error, message", [
    (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
    (lambda o: lr_scheduler.MultiplicativeLR(o, 0.9), TypeError, "should be a function"),
    (lambda o: lr_scheduler.ConstantLR(o, factor=2), ValueError, "between 0 and 1"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "greater than 0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "positive integer T_0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError,
     "T_mult >= 1"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "either total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError,
     "max_lr must have the same length"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=5, anneal_strategy="exp"),
     ValueError, "anneal_strategy"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=5, pct_start=1), ValueError,
     "pct_start"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="low"), ValueError, "mode low is unknown"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]), ValueError,
     "one more than the number of milestone"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], []),
     ValueError, "does not support `ReduceLROnPlateau`"),
    (lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(_optimizer(), 2)], o),
     ValueError, "same optimizer"),
    (lambda o: lr_scheduler.ChainedScheduler([]), ValueError, "at least one scheduler"),
])
def test_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(_optimizer())
