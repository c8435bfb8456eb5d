"""SGD / Adam / AdamW against their update rules written out by hand, convergence to a
closed-form optimum, parameter groups, state dicts, and PyTorch's validation errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim

N_STEPS = 4
grad_lists = st.integers(1, 5).flatmap(lambda n: st.lists(
    hnp.arrays(np.float64, n, elements=st.floats(-10, 10)), min_size=N_STEPS + 1,
    max_size=N_STEPS + 1))
unit = st.floats(0.0, 0.99)


def _run(opt_factory, p0, grads):
    """Apply the optimizer to one parameter fed the given gradients; the final value."""
    p = nn.Parameter(p0.copy())
    opt = opt_factory([p])
    for g in grads:
        p.grad = tg.Tensor(g.copy())
        opt.step()
    return p.data


def sgd_by_hand(p, grads, lr, momentum, dampening, weight_decay, nesterov):
    buf = None
    for g in grads:
        d = g + weight_decay * p
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


def adam_by_hand(p, grads, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled):
    m = v = v_max = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


@given(grads=grad_lists, lr=st.floats(0, 1), momentum=unit, dampening=unit,
       weight_decay=st.floats(0, 0.1), nesterov=st.booleans())
def test_sgd_matches_the_rule(grads, lr, momentum, dampening, weight_decay, nesterov):
    if nesterov:
        assume(momentum > 0)
        dampening = 0.0
    p0, grads = grads[0], grads[1:]
    kw = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
              nesterov=nesterov)
    got = _run(lambda ps: optim.SGD(ps, **kw), p0, grads)
    np.testing.assert_allclose(got, sgd_by_hand(p0, grads, **kw), rtol=1e-10, atol=1e-10)


@given(grads=grad_lists, lr=st.floats(1e-4, 0.5), beta1=unit, beta2=st.floats(0.5, 0.999),
       eps=st.sampled_from([1e-8, 1e-3]), weight_decay=st.floats(0, 0.1),
       amsgrad=st.booleans(), decoupled=st.booleans())
def test_adam_and_adamw_match_the_rule(grads, lr, beta1, beta2, eps, weight_decay, amsgrad,
                                       decoupled):
    p0, grads = grads[0], grads[1:]
    kw = dict(lr=lr, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
    cls = optim.AdamW if decoupled else optim.Adam
    got = _run(lambda ps: cls(ps, betas=(beta1, beta2), **kw), p0, grads)
    want = adam_by_hand(p0, grads, beta1=beta1, beta2=beta2, decoupled=decoupled, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_first_steps_written_out():
    p0, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    # momentum: the first buffer is the gradient itself, then m * buf + (1 - d) * g
    got = _run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5), p0, [g, g])
    np.testing.assert_allclose(got, p0 - 0.1 * g - 0.1 * (0.9 * g + 0.5 * g))
    # Adam's first step has size lr in every coordinate (bias correction): sign(g) * lr
    got = _run(lambda ps: optim.Adam(ps, lr=0.01, eps=0.0), p0, [g])
    np.testing.assert_allclose(got, p0 - 0.01 * np.sign(g))
    # AdamW decays the weights before the update
    got = _run(lambda ps: optim.AdamW(ps, lr=0.01, eps=0.0, weight_decay=0.5), p0, [g])
    np.testing.assert_allclose(got, p0 * (1 - 0.005) - 0.01 * np.sign(g))


def test_updates_are_in_place_and_keep_dtype():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    array = p.data
    for opt in (optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1), optim.Adam([p])):
        p.grad = tg.Tensor(np.ones(3, dtype=np.float32))
        opt.step()
        assert p.data is array and p.dtype == np.float32
        assert all(a.dtype == np.float32 for s in opt.state.values() for a in s.values()
                   if isinstance(a, np.ndarray))


def test_params_without_grad_are_skipped_and_closure_is_evaluated():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.SGD([a, b], lr=0.5, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 2.0
    np.testing.assert_array_equal(a.data, [0.0, 0.0])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    assert b not in opt.state


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.05),
    lambda ps: optim.AdamW(ps, lr=0.05, weight_decay=0.0, amsgrad=True),
], ids=["nesterov", "adam", "adamw-amsgrad"])
def test_converges_to_least_squares_solution(make):
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((40, 3)), rng.standard_normal((40, 1))
    tg.manual_seed(0)  # the initial weights too: unseeded, Adam missed 1e-6 in ~1 run of 8
    model = nn.Linear(3, 1, dtype=np.float64)
    opt = make(model.parameters())
    X, y = tg.Tensor(A), tg.Tensor(b)
    for _ in range(1500):
        opt.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        opt.step()
    sol = np.linalg.lstsq(np.hstack([A, np.ones((40, 1))]), b, rcond=None)[0].ravel()
    np.testing.assert_allclose(np.append(model.weight.data, model.bias.data), sol, atol=1e-6)


# ----------------------------------------------------------------------------- groups, state
def test_param_groups_options_and_state_dict_layout():
    w, b, c = (nn.Parameter(np.ones(2)) for _ in range(3))
    opt = optim.SGD([{"params": [w]}, {"params": [b, c], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    for p in (w, b, c):
        p.grad = tg.Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(w.data, 0.9)
    np.testing.assert_allclose(b.data, 0.5)
    sd = opt.state_dict()
    assert sd["param_groups"] == [
        {"lr": 0.1, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False,
         "maximize": False, "params": [0]},
        {"lr": 0.5, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False,
         "maximize": False, "params": [1, 2]}]
    assert set(sd["state"]) == {0, 1, 2}
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    dampening: 0\n")
    assert isinstance(sd["state"][1]["momentum_buffer"], tg.Tensor)
    d = nn.Parameter(np.ones(1))
    opt.add_param_group({"params": d, "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["params"] == [d]


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.1),
], ids=["sgd", "adam", "adamw"])
def test_state_dict_round_trip_continues_identically(make):
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((6, 2, 3))
    p = nn.Parameter(rng.standard_normal(3))
    q = nn.Parameter(rng.standard_normal(3))
    opt = make([p, q])

    def step(o, ps, g):
        for param, gi in zip(ps, g):
            param.grad = tg.Tensor(gi)
        o.step()

    for g in grads[:3]:
        step(opt, [p, q], g)
    p2, q2 = nn.Parameter(p.data.copy()), nn.Parameter(q.data.copy())
    opt2 = make([p2, q2])
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    for g in grads[3:]:
        step(opt, [p, q], g)
        step(opt2, [p2, q2], g)
    np.testing.assert_array_equal(p.data, p2.data)
    np.testing.assert_array_equal(q.data, q2.data)
    # loaded state is a copy: the first optimizer's buffers are not shared
    arrays = [a for s in opt.state.values() for a in s.values() if isinstance(a, np.ndarray)]
    arrays2 = [a for s in opt2.state.values() for a in s.values() if isinstance(a, np.ndarray)]
    assert not any(np.shares_memory(a, b) for a in arrays for b in arrays2)


def test_load_state_dict_errors():
    p, q = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = optim.SGD([p, q], lr=0.1, momentum=0.9)
    p.grad, q.grad = tg.Tensor(np.ones(2)), tg.Tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"'momentum_buffer' has shape \(2,\) but its "
                                         r"parameter has shape \(3,\)"):
        optim.SGD([q, p], lr=0.1).load_state_dict(sd)


def test_zero_grad():
    p = nn.Parameter(np.ones(2))
    opt = optim.Adam([p])
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("make, message", [
    (lambda ps: optim.SGD(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: optim.SGD(ps, momentum=-0.1), "Invalid momentum value: -0.1"),
    (lambda ps: optim.SGD(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda ps: optim.SGD(ps, nesterov=True), "Nesterov momentum requires a momentum and "
                                              "zero dampening"),
    (lambda ps: optim.SGD(ps, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda ps: optim.Adam(ps, lr=-1), "Invalid learning rate"),
    (lambda ps: optim.Adam(ps, eps=-1), "Invalid epsilon value"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (lambda ps: optim.AdamW(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (lambda ps: optim.AdamW(ps, weight_decay=-1), "Invalid weight_decay value"),
    (lambda ps: optim.SGD([]), "empty parameter list"),
    (lambda ps: optim.SGD(ps + ps), "duplicate parameters"),
    (lambda ps: optim.SGD([{"params": ps}, {"params": ps}]), "more than one parameter group"),
    (lambda ps: optim.SGD([ps[0] * 2]), "non-leaf"),
])
def test_validation_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(np.ones(1))])


def test_type_errors():
    p = nn.Parameter(np.ones(1))
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p})
    with pytest.raises(TypeError, match="but got a Tensor"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.ones(1)])
