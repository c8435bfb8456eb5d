"""SciPy bridge: exact gradients and Hessian-vector products on the flat vector, and
TNC / L-BFGS-B / Newton-CG / trust-ncg reaching a closed-form optimum."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.nn.utils import l2_penalty
from tinygrad_edu.optim import Objective, minimize

pytest.importorskip("scipy")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((30, 4))
Y = (A @ np.array([[1.0], [-2.0], [0.5], [0.0]]) + 0.3 + 0.1 * RNG.standard_normal((30, 1)))
LAM = 3.0


def _ridge():
    """Mean squared error + lam/(2m) ||w||^2 (bias not penalised), and its closed form."""
    tg.manual_seed(0)
    model = nn.Linear(4, 1, dtype=np.float64)
    X, y = tg.Tensor(A), tg.Tensor(Y)

    def closure():
        return F.mse_loss(model(X), y) + l2_penalty(model, LAM, len(A))

    m = len(A)
    Xb = np.hstack([A, np.ones((m, 1))])
    reg = np.diag([LAM / 2] * 4 + [0.0])  # d/dw: 2/m X^T(Xw - y) + lam/m w = 0
    sol = np.linalg.solve(Xb.T @ Xb + reg, Xb.T @ Y).ravel()
    return model, closure, sol


def _logistic():
    tg.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 3, dtype=np.float64), nn.Tanh(),
                          nn.Linear(3, 1, dtype=np.float64))
    X, t = tg.Tensor(A), tg.Tensor((Y > 0).astype(np.float64))
    return model, lambda: F.binary_cross_entropy_with_logits(model(X), t) + l2_penalty(
        model, 0.5, len(A))


@pytest.mark.parametrize("make", [_ridge, _logistic], ids=["ridge", "mlp"])
def test_gradient_and_hessp_match_finite_differences(make):
    model, closure = make()[:2]
    obj = Objective(model, closure)
    x = obj.x0() + 0.1 * np.random.default_rng(2).standard_normal(obj.x0().size)
    v = np.random.default_rng(3).standard_normal(x.size)
    eps = 1e-6
    f, g = obj.fun_and_jac(x)
    assert f == obj.fun(x)
    fd_g = np.array([(obj.fun(x + eps * e) - obj.fun(x - eps * e)) / (2 * eps)
                     for e in np.eye(x.size)])
    np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(obj.jac(x), g)
    fd_hv = (obj.jac(x + eps * v) - obj.jac(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(obj.hessp(x, v), fd_hv, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("method, options", [
    ("TNC", dict(maxfun=500, ftol=1e-14)),  # TNC counts evaluations (maxfun), not maxiter
    ("L-BFGS-B", dict(maxiter=500)),
    ("CG", dict(maxiter=500)),
    ("Newton-CG", dict(maxiter=500)),
    ("trust-ncg", dict(maxiter=500)),
])
def test_methods_reach_the_ridge_optimum(method, options):
    model, closure, sol = _ridge()
    result = minimize(model, closure, method=method, **options)
    assert result.success, result.message
    got = np.append(model.weight.data, model.bias.data)  # the solution is left in the model
    np.testing.assert_allclose(got, sol, rtol=1e-4, atol=1e-5)


def test_hessp_is_exact_for_a_quadratic():
    model, closure, _ = _ridge()
    obj = Objective(list(model.parameters()), closure)
    m = len(A)
    Xb = np.hstack([A, np.ones((m, 1))])
    H = 2 / m * Xb.T @ Xb + np.diag([LAM / m] * 4 + [0.0])
    x = np.zeros(5)
    for v in np.eye(5):
        np.testing.assert_allclose(obj.hessp(x, v), H @ v, rtol=1e-12, atol=1e-14)


def test_parameter_outside_the_loss_gets_zero_gradient_and_curvature():
    used, unused = nn.Parameter(np.array([2.0])), nn.Parameter(np.array([5.0]))
    obj = Objective([used, unused], lambda: (used * used * used).sum())
    np.testing.assert_allclose(obj.jac(np.array([2.0, 5.0])), [12.0, 0.0])
    np.testing.assert_allclose(obj.hessp(np.array([2.0, 5.0]), np.array([1.0, 1.0])),
                               [12.0, 0.0])
    linear = Objective([used], lambda: (used * 3).sum())
    np.testing.assert_allclose(linear.hessp(np.array([1.0]), np.array([1.0])), [0.0])


def test_closure_must_return_a_scalar_tensor():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(TypeError, match="one-element Tensor"):
        Objective([p], lambda: p * 2).fun(np.ones(2))


def test_missing_scipy_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    p = nn.Parameter(np.ones(1))
    with pytest.raises(ImportError, match=r"pip install tinygrad_edu\[scipy\]"):
        minimize([p], lambda: (p * p).sum())


@pytest.mark.parametrize("method", ["TNC", "L-BFGS-B", "Newton-CG"])
@pytest.mark.parametrize("new_style", [False, True])
def test_callback_sees_the_parameters_at_the_iterate(method, new_style):
    model, closure, _ = _ridge()
    seen = []

    def check(xk):
        params = np.concatenate([p.data.ravel() for p in model.parameters()])
        seen.append(np.array_equal(params, xk))

    if new_style:
        def callback(intermediate_result):  # TNC passes xk even then
            check(getattr(intermediate_result, "x", intermediate_result))
    else:
        def callback(xk):
            check(xk)
    minimize(model, closure, method=method, callback=callback)
    assert seen and all(seen)
