"""RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam (and maximize= everywhere) against
NumPy implementations written from the algorithm boxes of PyTorch's documentation: several
steps, two parameter groups with different options, state-dict resume, in-place stamps."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim

N_STEPS = 6


# ----------------------------------------------------------------------------- by hand
def rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
            centered=False):
    v = np.zeros_like(p)
    a = np.zeros_like(p)
    b = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            a = alpha * a + (1 - alpha) * g
            v_tilde = v - a**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(v_tilde) + eps)
    return p


def adagrad(p, grads, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
            eps=1e-10):
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        lr_t = lr / (1 + (t - 1) * lr_decay)
        g = g + weight_decay * p
        s = s + g**2
        p = p - lr_t * g / (np.sqrt(s) + eps)
    return p


def adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
    v = np.zeros_like(p)
    u = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = v * rho + g**2 * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx**2 * (1 - rho)
        p = p - lr * dx
    return p


def adamax(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
    b1, b2 = betas
    m = np.zeros_like(p)
    u = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr * m / ((1 - b1**t) * u)
    return p


def nadam(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
          momentum_decay=4e-3, decoupled_weight_decay=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    mus = [b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)) for t in range(1, len(grads) + 2)]
    for t, g in enumerate(grads, start=1):
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = (mus[t] * m / (1 - math.prod(mus[:t + 1]))
                 + (1 - mus[t - 1]) * g / (1 - math.prod(mus[:t])))
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def radam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
          decoupled_weight_decay=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, start=1):
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            l_t = np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * l_t * r_t
        else:
            p = p - lr * m_hat
    return p


# name -> (class, by-hand rule, option sets: each test uses two of them as two groups)
CASES = {
    "rmsprop": (optim.RMSprop, rmsprop, [
        {}, {"lr": 0.05, "alpha": 0.9, "weight_decay": 0.1},
        {"momentum": 0.9, "centered": True, "lr": 0.02}, {"centered": True, "eps": 1e-3},
        {"momentum": 0.5, "weight_decay": 0.05}]),
    "adagrad": (optim.Adagrad, adagrad, [
        {}, {"lr": 0.3, "lr_decay": 0.1}, {"weight_decay": 0.1, "initial_accumulator_value": 0.5},
        {"eps": 1e-3, "lr_decay": 0.01, "weight_decay": 0.01}]),
    "adadelta": (optim.Adadelta, adadelta, [
        {}, {"lr": 0.5, "rho": 0.5}, {"weight_decay": 0.1, "eps": 1e-3}]),
    "adamax": (optim.Adamax, adamax, [
        {}, {"lr": 0.1, "betas": (0.5, 0.9)}, {"weight_decay": 0.1, "eps": 1e-3}]),
    "nadam": (optim.NAdam, nadam, [
        {}, {"lr": 0.1, "betas": (0.5, 0.9), "momentum_decay": 0.1},
        {"weight_decay": 0.1}, {"weight_decay": 0.1, "decoupled_weight_decay": True}]),
    "radam": (optim.RAdam, radam, [
        {}, {"lr": 0.1, "betas": (0.5, 0.9)},   # beta2 = 0.9: rho_t > 5 from step 6 on
        {"weight_decay": 0.1, "betas": (0.9, 0.8)},
        {"weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.9, 0.8)}]),
}
PAIRS = [(name, i, (i + 1) % len(opts)) for name, (_, _, opts) in CASES.items()
         for i in range(len(opts))]  # every option set in two tests, beside two others

arrays = hnp.arrays(np.float64, (N_STEPS + 1, 3), elements=st.floats(-5, 5))


def _drive(opt, params, grads):
    """Feed ``grads[k]`` (one array per parameter) at step k."""
    for step in grads:
        for p, g in zip(params, step):
            p.grad = tg.Tensor(g.copy())
        opt.step()


@pytest.mark.parametrize("name, i, j", PAIRS, ids=[f"{n}-{i}-{j}" for n, i, j in PAIRS])
@given(a=arrays, b=arrays)
def test_two_groups_follow_the_documented_rule(name, i, j, a, b):
    cls, by_hand, options = CASES[name]
    p, q = nn.Parameter(a[0].copy()), nn.Parameter(b[0].copy())
    opt = cls([{"params": [p], **options[i]}, {"params": [q], **options[j]}])
    _drive(opt, [p, q], list(zip(a[1:], b[1:])))
    np.testing.assert_allclose(p.data, by_hand(a[0], a[1:], **options[i]), rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(q.data, by_hand(b[0], b[1:], **options[j]), rtol=1e-9,
                               atol=1e-12)


def test_radam_switches_to_the_rectified_step():
    # beta2 = 0.9: rho_t = 19 - 2 t 0.9^t / (1 - 0.9^t) is 1, 2.9 ... and passes 5 at t = 6
    rho = [19 - 2 * t * 0.9**t / (1 - 0.9**t) for t in range(1, 8)]
    assert [r > 5 for r in rho] == [False] * 5 + [True] * 2
    p0, g = np.array([3.0]), np.array([2.0])
    p = nn.Parameter(p0.copy())
    opt = optim.RAdam([p], lr=0.1, betas=(0.9, 0.9))
    _drive(opt, [p], [[g]] * 5)
    np.testing.assert_allclose(p.data, p0 - 5 * 0.1 * g)  # m_hat = g: plain steps of lr g
    _drive(opt, [p], [[g]])  # then lr r_t sqrt(1 - b2^t) g / (sqrt(v) + eps), v = g^2 (1 - b2^t)
    r6 = math.sqrt((rho[5] - 4) * (rho[5] - 2) * 19 / (15 * 17 * rho[5]))
    np.testing.assert_allclose(p.data, p0 - 5 * 0.1 * g - 0.1 * r6 * np.sign(g), rtol=1e-7)


ALL = {
    "sgd": lambda ps, **kw: optim.SGD(ps, lr=0.1, momentum=0.9, **kw),
    "adam": lambda ps, **kw: optim.Adam(ps, lr=0.1, amsgrad=True, **kw),
    "adamw": lambda ps, **kw: optim.AdamW(ps, lr=0.1, **kw),
    "rmsprop": lambda ps, **kw: optim.RMSprop(ps, momentum=0.9, centered=True, **kw),
    "adagrad": lambda ps, **kw: optim.Adagrad(ps, lr_decay=0.1, **kw),
    "adadelta": lambda ps, **kw: optim.Adadelta(ps, weight_decay=0.1, **kw),
    "adamax": lambda ps, **kw: optim.Adamax(ps, weight_decay=0.1, **kw),
    "nadam": lambda ps, **kw: optim.NAdam(ps, weight_decay=0.1, **kw),
    "radam": lambda ps, **kw: optim.RAdam(ps, betas=(0.9, 0.8), **kw),
}


@pytest.mark.parametrize("name", ALL)
def test_maximize_ascends_along_the_gradient(name):
    rng = np.random.default_rng(0)
    p0, grads = rng.standard_normal(4), rng.standard_normal((N_STEPS, 1, 4))
    up, down = nn.Parameter(p0.copy()), nn.Parameter(p0.copy())
    _drive(ALL[name]([up], maximize=True), [up], grads)
    _drive(ALL[name]([down]), [down], -grads)
    np.testing.assert_array_equal(up.data, down.data)
    assert not np.array_equal(up.data, p0)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_resume_gives_the_same_trajectory(name):
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((2 * N_STEPS, 2, 3))
    p, q = nn.Parameter(rng.standard_normal(3)), nn.Parameter(rng.standard_normal(3))
    opt = ALL[name]([{"params": [p]}, {"params": [q], "lr": 0.01}])
    _drive(opt, [p, q], grads[:N_STEPS])
    p2, q2 = nn.Parameter(p.data.copy()), nn.Parameter(q.data.copy())
    opt2 = ALL[name]([{"params": [p2]}, {"params": [q2]}])
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert opt2.param_groups[1]["lr"] == 0.01
    _drive(opt, [p, q], grads[N_STEPS:])
    _drive(opt2, [p2, q2], grads[N_STEPS:])
    np.testing.assert_array_equal(p.data, p2.data)
    np.testing.assert_array_equal(q.data, q2.data)


@pytest.mark.parametrize("name", ALL)
def test_a_step_changes_parameters_in_place(name):
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    array = p.data
    y = (p * p).sum()          # Mul saved p's old values
    opt = ALL[name]([p])
    p.grad = tg.Tensor(np.ones(3, dtype=np.float32))
    opt.step()
    assert p.data is array and p.dtype == np.float32
    assert all(v.dtype == np.float32 for s in opt.state.values() for v in s.values()
               if isinstance(v, np.ndarray))
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_state_names_and_scalars_follow_pytorch():
    p = nn.Parameter(np.ones(2))
    names = {}
    for name, make in ALL.items():
        opt = make([p])
        p.grad = tg.Tensor(np.ones(2))
        opt.step()
        sd = opt.state_dict()["state"][0]
        names[name] = sorted(sd)
        if "step" in sd:
            assert sd["step"].dtype == np.float32 and sd["step"].shape == () \
                and sd["step"].item() == 1.0
    assert names == {
        "sgd": ["momentum_buffer"],
        "adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"],
        "adamw": ["exp_avg", "exp_avg_sq", "step"],
        "rmsprop": ["grad_avg", "momentum_buffer", "square_avg", "step"],
        "adagrad": ["step", "sum"],
        "adadelta": ["acc_delta", "square_avg", "step"],
        "adamax": ["exp_avg", "exp_inf", "step"],
        "nadam": ["exp_avg", "exp_avg_sq", "mu_product", "step"],
        "radam": ["exp_avg", "exp_avg_sq", "step"],
    }


def test_adagrad_has_state_before_its_first_step():
    p = nn.Parameter(np.ones(2))
    sd = optim.Adagrad([p], initial_accumulator_value=0.3).state_dict()
    assert sd["state"][0]["step"].item() == 0.0
    np.testing.assert_array_equal(sd["state"][0]["sum"].data, [0.3, 0.3])


def test_centered_rmsprop_never_takes_the_root_of_a_negative():
    # a constant gradient 0.7: v = 0.49 (1 - alpha^t) and a^2 = 0.49 (1 - alpha^t)^2 agree
    # once alpha^t is below rounding, and v - a^2 then rounds below 0 on some steps
    v = a = 0.0
    signs = []
    for _ in range(60):
        v, a = 0.5 * v + 0.5 * 0.7**2, 0.5 * a + 0.5 * 0.7
        signs.append(v - a * a < 0)
    assert any(signs)
    p = nn.Parameter(np.zeros(1))
    opt = optim.RMSprop([p], centered=True, alpha=0.5)
    with np.errstate(invalid="raise"):
        _drive(opt, [p], [[np.array([0.7])]] * 60)
    assert np.isfinite(p.data).all()


@pytest.mark.parametrize("make, message", [
    (lambda ps: optim.RMSprop(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: optim.RMSprop(ps, eps=-1), "Invalid epsilon value: -1"),
    (lambda ps: optim.RMSprop(ps, momentum=-1), "Invalid momentum value: -1"),
    (lambda ps: optim.RMSprop(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda ps: optim.RMSprop(ps, alpha=-1), "Invalid alpha value: -1"),
    (lambda ps: optim.Adagrad(ps, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda ps: optim.Adagrad(ps, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (lambda ps: optim.Adagrad(ps, eps=-1), "Invalid epsilon value: -1"),
    (lambda ps: optim.Adadelta(ps, rho=1.5), "Invalid rho value: 1.5"),
    (lambda ps: optim.Adamax(ps, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda ps: optim.NAdam(ps, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda ps: optim.RAdam(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda ps: optim.NAdam(ps, lr=float("nan")), "Invalid learning rate: nan"),
])
def test_validation_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(np.ones(1))])


@pytest.mark.parametrize("name", ALL)
def test_defaults_are_pytorchs(name):
    defaults = {
        "sgd": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False),
        "adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False),
        "adamw": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
        "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                        centered=False),
        "adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                        eps=1e-10),
        "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0),
        "adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
        "nadam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                      momentum_decay=4e-3, decoupled_weight_decay=False),
        "radam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                      decoupled_weight_decay=False),
    }[name]
    cls = type(ALL[name]([nn.Parameter(np.ones(1))]))
    opt = cls([nn.Parameter(np.ones(1))])
    assert {k: opt.defaults[k] for k in defaults} == defaults
    assert opt.defaults["maximize"] is False
