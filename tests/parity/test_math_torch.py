"""Parity with PyTorch (float64) for the maths of issue 13: values, gradients and second
derivatives op by op, Pow's edge cases, and the reductions' rules at zeros and ties.

Skipped when PyTorch is not installed (it is never a dependency).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(13)


def _run_tg(fn, arrays, upstream, second):
    xs = [tg.Tensor(np.array(a), requires_grad=True) for a in arrays]
    y = fn(*xs)
    grads = tg.grad(y, xs, grad_outputs=upstream, create_graph=second, allow_unused=True)
    out = [y.data, [None if g is None else g.data for g in grads]]
    if second:
        live = [(g * g).sum() for g in grads if g is not None and g.requires_grad]
        seconds = tg.grad(tg.stack(live).sum(), xs, allow_unused=True) if live else xs
        out.append([None if not live or g is None else g.data for g in seconds])
    return out


def _numpy(g):
    return None if g is None else g.detach().numpy(force=True)  # force: a ZeroTensor too


def _run_torch(fn, arrays, upstream, second):
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y = fn(*xs)
    grads = torch.autograd.grad(y, xs, grad_outputs=torch.tensor(upstream),
                                create_graph=second, allow_unused=True)
    out = [_numpy(y), [_numpy(g) for g in grads]]
    if second:
        live = [(g * g).sum() for g in grads if g is not None and g.requires_grad]
        seconds = torch.autograd.grad(torch.stack(live).sum(), xs, allow_unused=True) \
            if live else [None] * len(xs)
        out.append([_numpy(g) for g in seconds])
    return out


def _same(ours, theirs, what):
    if ours is None or theirs is None:  # "no gradient" and "zeros" are the same gradient
        other = ours if theirs is None else theirs
        assert other is None or np.allclose(other, 0, rtol=0, atol=1e-14), what
        return
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, err_msg=what)


def check(fn_tg, fn_torch, *arrays, second=True):
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    with torch.no_grad():
        shape = fn_torch(*(torch.tensor(a) for a in arrays)).shape
    upstream = RNG.uniform(0.5, 1.5, tuple(shape))
    ours = _run_tg(fn_tg, arrays, upstream, second)
    theirs = _run_torch(fn_torch, arrays, upstream, second)
    _same(ours[0], theirs[0], "value")
    for order, (mine, ref) in enumerate(zip(ours[1:], theirs[1:]), start=1):
        for i, (a, b) in enumerate(zip(mine, ref)):
            _same(a, b, f"derivative of order {order}, input {i}")


X = RNG.uniform(-2, 2, (3, 4))
UNIT = RNG.uniform(-0.9, 0.9, (3, 4))
POS = RNG.uniform(0.2, 3, (3, 4))
UNARY = {
    "sin": X, "cos": X, "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": X, "sinh": X,
    "cosh": X, "asinh": X, "acosh": POS + 1, "atanh": UNIT, "erf": X, "erfc": X, "exp2": X,
    "expm1": X, "log2": POS, "log10": POS, "log1p": POS - 0.1, "rsqrt": POS,
    "reciprocal": POS, "square": X, "sign": X, "floor": X, "ceil": X, "trunc": X, "frac": X,
    "round": X,
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name):
    check(getattr(tg, name), getattr(torch, name), UNARY[name])


@pytest.mark.parametrize("values", [[0.125, 0.25, -1.55, 2.5, 0.35], [1234.5678, -0.049]])
def test_round_decimals(values):
    for d in (0, 1, 2, -1):
        check(lambda x, d=d: x.round(decimals=d), lambda x, d=d: x.round(decimals=d), values,
              second=False)


def test_nan_to_num():
    v = [np.nan, np.inf, -np.inf, 1.5, -2.0]
    check(tg.nan_to_num, torch.nan_to_num, v, second=False)
    check(lambda x: x.nan_to_num(1.0, 2.0, -3.0), lambda x: x.nan_to_num(1.0, 2.0, -3.0), v,
          second=False)


BINARY = {
    "atan2": (X, RNG.uniform(0.5, 2, (4,))), "hypot": (X, X[::-1]),
    "copysign": (X, -X[::-1]), "logaddexp": (X, X[:, ::-1]),
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name):
    check(getattr(tg, name), getattr(torch, name), *BINARY[name])


def test_logaddexp_and_hypot_at_extremes():
    check(tg.logaddexp, torch.logaddexp, [1e308, -1e308, 0.0, 700.0], [1e308, 0.0, -800.0, 0.0],
          second=False)
    check(tg.hypot, torch.hypot, [1e200, 3.0, 1e-200], [1e200, 4.0, 1e-200], second=False)


def test_lerp():
    check(tg.lerp, torch.lerp, X, X[::-1] * 2, RNG.uniform(-0.5, 1.5, (4,)))
    check(lambda s, e: s.lerp(e, 0.75), lambda s, e: s.lerp(e, 0.75), X, X[::-1])


def test_clamp_tensor_and_scalar_bounds():
    x, lo, hi = [-2.0, 0.5, 1.0, 3.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 0.0, 2.0], \
        [1.0, 1.0, 1.0, 1.0, 2.0, 0.0]
    check(tg.clamp, torch.clamp, x, lo, hi, second=False)
    check(lambda a, b: a.clamp(min=b), lambda a, b: a.clamp(min=b), x, lo, second=False)
    check(lambda a, b: a.clamp_max(b), lambda a, b: a.clamp_max(b), x, hi, second=False)
    check(lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), X)


# ----------------------------------------------------------------------------- pow edge cases
POW_CASES = {
    "x ** 0 at +-inf": (lambda a: a ** 0, [np.inf, -np.inf, 0.0, 2.0]),
    "x ** -1 at 0": (lambda a: a ** -1.0, [0.0, 2.0]),
    "x ** -2 at 0": (lambda a: a ** -2.0, [0.0, 2.0, -3.0]),
    "x ** 0.5 at 0": (lambda a: a ** 0.5, [0.0, 4.0]),
    "0 ** y": (lambda b: 0.0 ** b, [-1.0, 0.0, 2.0]),
    "2 ** y": (lambda b: 2.0 ** b, [-1.0, 0.0, 2.0]),
    "(-2) ** y": (lambda b: (-2.0) ** b, [2.0, 0.5]),
}


@pytest.mark.parametrize("name", list(POW_CASES))
def test_pow_edge_cases(name):
    fn, values = POW_CASES[name]
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
        check(fn, fn, values, second=False)


def test_pow_tensor_base_and_exponent_at_zero_and_inf():
    """First derivatives: PyTorch's masks (da 0 where b == 0, db 0 where a == 0 and b >= 0)."""
    a = [0.0, 0.0, 0.0, np.inf, 2.0, -2.0, 0.0]
    b = [-1.0, 0.0, 2.0, 0.0, 0.0, 0.5, 0.5]
    check(lambda x, y: x ** y, lambda x, y: x ** y, a, b, second=False)
    check(lambda x, y: x ** y, lambda x, y: x ** y, POS, X)  # second order, smooth region


# ----------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("values", [[0.0, 2.0, 1.5, 3.0], [2.0, 0.0, 1.5, 0.0], [1.0, 2.0, 3.0,
                                                                                 4.0]])
def test_prod_and_cumprod_at_zeros(values):
    check(lambda x: x.prod(), lambda x: x.prod(), values)
    check(lambda x: x.cumprod(0), lambda x: x.cumprod(0), values)
    m = np.array([values, values[::-1], [1.0, 0.5, 2.0, 3.0]])
    check(lambda x: x.prod(1, keepdim=True), lambda x: x.prod(1, keepdim=True), m)
    check(lambda x: x.cumprod(-1), lambda x: x.cumprod(-1), m)


def test_cumsum_amax_amin_with_ties():
    check(lambda x: x.cumsum(1), lambda x: x.cumsum(1), X)
    ties = [[2.0, 1.0, 2.0], [0.0, 0.0, 0.0]]
    for name in ("amax", "amin"):
        check(lambda x, n=name: getattr(x, n)(1), lambda x, n=name: getattr(x, n)(1), ties)
        check(lambda x, n=name: getattr(x, n)(), lambda x, n=name: getattr(x, n)(), ties)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, -1, math.inf, -math.inf, 0, "fro"])
def test_norm(p):
    x = np.array([[1.5, -0.25, 3.0], [-2.0, 0.75, 0.5]])
    check(lambda t: t.norm(p), lambda t: t.norm(p), x)
    check(lambda t: t.norm(p, dim=1, keepdim=True), lambda t: t.norm(p, dim=1, keepdim=True), x)
    if p != "fro":
        check(lambda t: tg.linalg.vector_norm(t, p, (0, 1)),
              lambda t: torch.linalg.vector_norm(t, p, (0, 1)), x)


def test_norm_at_the_zero_vector():
    for p in (2, 3, "fro"):
        check(lambda t, p=p: t.norm(p), lambda t, p=p: t.norm(p), np.zeros(3), second=False)


@pytest.mark.parametrize("ord_", ["fro", 1, -1, math.inf, -math.inf])
def test_matrix_norm(ord_):
    x = np.array([[[1.5, -0.25, 3.0], [-2.0, 0.75, 0.5]], [[0.1, 0.2, 0.3], [4.0, -5.0, 6.0]]])
    check(lambda t: tg.linalg.matrix_norm(t, ord_), lambda t: torch.linalg.matrix_norm(t, ord_),
          x)


def test_var_mean_std_mean():
    for name in ("var_mean", "std_mean"):
        ours = getattr(tg, name)(tg.Tensor(X), 1, correction=0, keepdim=True)
        theirs = getattr(torch, name)(torch.tensor(X), 1, correction=0, keepdim=True)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-14)


def test_var_with_no_degrees_of_freedom():
    x = np.array([[1.0, 2.0], [3.0, 3.0]])
    for op in ("var", "std"):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            theirs = getattr(torch.tensor(x), op)(dim=1, correction=2).numpy()
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            ours = getattr(tg.Tensor(x), op)(dim=1, correction=2).data
        np.testing.assert_array_equal(ours, theirs)


def test_mean_of_integers_raises_the_same_message():
    with pytest.raises(RuntimeError) as theirs:
        torch.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError) as ours:
        tg.Tensor([1, 2]).mean()
    assert str(ours.value).startswith(str(theirs.value))


# ----------------------------------------------------------------------------- logic
def test_logic_ops():
    a = np.array([-np.inf, -1.0, 0.0, 1e-9, 1.0, np.inf, np.nan])
    b = a[::-1].copy()
    ta, tb, pa, pb = tg.Tensor(a), tg.Tensor(b), torch.tensor(a), torch.tensor(b)
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "logical_not"):
        np.testing.assert_array_equal(getattr(tg, name)(ta).data, getattr(torch, name)(pa))
    for name in ("logical_and", "logical_or", "logical_xor", "isclose", "greater",
                 "greater_equal", "less", "less_equal", "not_equal"):
        np.testing.assert_array_equal(getattr(tg, name)(ta, tb).data,
                                      getattr(torch, name)(pa, pb))
    assert tg.isclose(ta, tb, equal_nan=True).tolist() == torch.isclose(pa, pb,
                                                                          equal_nan=True).tolist()
    assert tg.allclose(ta, ta) == torch.allclose(pa, pa)
    assert tg.equal(ta, ta) == torch.equal(pa, pa)
    m = np.array([[0.0, 1.0], [0.0, 0.0]])
    for name in ("any", "all"):
        for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
            np.testing.assert_array_equal(getattr(tg.Tensor(m), name)(**kw).data,
                                          getattr(torch.tensor(m), name)(**kw))
