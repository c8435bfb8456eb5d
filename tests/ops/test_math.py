"""The maths of issue 13 (``ops/special.py`` and clamp): every op's value, first and second
derivatives against float64 finite differences on drawn shapes (broadcasting and 0-d
included), float32 kept, and the numerics (stability at extremes, no NumPy warnings)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg

from .checks import check_op
from .strategies import (
    AWAY_FROM_ZERO,
    DENOMINATORS,
    POSITIVE,
    SMOOTH,
    arrays,
    broadcastable_shapes,
    distinct_arrays,
    shapes,
)
from .test_elementwise import Binary, binary_inputs
from .test_float32 import check_float32

# A quarter of the profile's examples per property (25 under "ci", 250 under "thorough"):
# these ops are many, and each example runs two Jacobians.
BUDGET = settings(max_examples=max(10, settings.default.max_examples // 4))


def _steps_away(step: float, offsets: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    """k * step + offset: values kept away from a step function's jumps by construction."""
    return st.tuples(st.integers(-30, 30), offsets).map(lambda t: (t[0] + t[1]) * step)


OFF_INTEGERS = _steps_away(0.1, st.floats(0.05, 0.95))          # floor ceil trunc frac
OFF_HALVES = _steps_away(1.0, st.floats(0.05, 0.45) | st.floats(0.55, 0.95))  # round
OFF_HALF_TENTHS = _steps_away(0.1, st.floats(0.05, 0.45) | st.floats(0.55, 0.95))
INSIDE_ONE = st.floats(-0.9, 0.9)  # asin acos atanh: away from the poles at +-1

_erf, _erfc = np.vectorize(math.erf), np.vectorize(math.erfc)

# id -> (op, reference, domain of the input)
MATH_UNARY: dict[str, tuple[Any, Any, st.SearchStrategy[float]]] = {
    "sin": (tg.sin, np.sin, SMOOTH),
    "cos": (tg.cos, np.cos, SMOOTH),
    "tan": (tg.tan, np.tan, st.floats(-1.2, 1.2)),
    "asin": (tg.asin, np.arcsin, INSIDE_ONE),
    "acos": (tg.acos, np.arccos, INSIDE_ONE),
    "atan": (tg.atan, np.arctan, SMOOTH),
    "sinh": (tg.sinh, np.sinh, SMOOTH),
    "cosh": (tg.cosh, np.cosh, SMOOTH),
    "asinh": (tg.asinh, np.arcsinh, SMOOTH),
    "acosh": (tg.acosh, np.arccosh, st.floats(1.1, 4)),
    "atanh": (tg.atanh, np.arctanh, INSIDE_ONE),
    "erf": (tg.erf, _erf, SMOOTH),
    "erfc": (tg.erfc, _erfc, SMOOTH),
    "exp2": (tg.exp2, np.exp2, SMOOTH),
    "expm1": (tg.expm1, np.expm1, SMOOTH),
    "log2": (tg.log2, np.log2, POSITIVE),
    "log10": (tg.log10, np.log10, POSITIVE),
    "log1p": (tg.log1p, np.log1p, st.floats(-0.9, 3)),
    "rsqrt": (tg.rsqrt, lambda x: 1 / np.sqrt(x), POSITIVE),
    "reciprocal": (tg.reciprocal, np.reciprocal, DENOMINATORS),
    "square": (tg.square, np.square, SMOOTH),
    "sign": (tg.sign, np.sign, AWAY_FROM_ZERO),
    "floor": (tg.floor, np.floor, OFF_INTEGERS),
    "ceil": (tg.ceil, np.ceil, OFF_INTEGERS),
    "trunc": (tg.trunc, np.trunc, OFF_INTEGERS),
    "frac": (tg.frac, lambda x: x - np.trunc(x), OFF_INTEGERS),
    "round": (tg.round, np.round, OFF_HALVES),
    "round(decimals=1)": (lambda x: x.round(decimals=1), lambda x: np.round(x, 1),
                          OFF_HALF_TENTHS),
    "nan_to_num": (tg.nan_to_num, np.nan_to_num, SMOOTH),
    "x.clamp_min(0.5)": (lambda x: x.clamp_min(0.5), lambda x: np.maximum(x, 0.5),
                         _steps_away(1.0, st.floats(-0.45, 0.45))),
    "x.clamp_max(-0.5)": (lambda x: x.clamp_max(-0.5), lambda x: np.minimum(x, -0.5),
                          _steps_away(1.0, st.floats(0.05, 0.95))),
}


@pytest.mark.parametrize("name", list(MATH_UNARY))
@BUDGET
@given(data=st.data())
def test_math_unary(name, data):
    fn, ref, domain = MATH_UNARY[name]
    x = data.draw(arrays(data.draw(shapes()), domain))
    check_op(fn, [x], data, ref)


@pytest.mark.parametrize("name", list(MATH_UNARY))
@settings(max_examples=10)
@given(data=st.data(), shape=shapes())
def test_math_unary_float32(name, data, shape):
    fn, _, domain = MATH_UNARY[name]
    check_float32(fn, [data.draw(arrays(shape, domain))])


# ----------------------------------------------------------------------------- binary
MATH_BINARY: dict[str, Binary] = {
    "atan2": Binary(tg.atan2, np.arctan2, a=AWAY_FROM_ZERO, b=DENOMINATORS),  # off the cut
    "hypot": Binary(tg.hypot, np.hypot, a=AWAY_FROM_ZERO),
    "copysign": Binary(tg.copysign, np.copysign, a=AWAY_FROM_ZERO, b=AWAY_FROM_ZERO),
    "logaddexp": Binary(tg.logaddexp, np.logaddexp),
    "x.atan2(y)": Binary(lambda a, b: a.atan2(b), np.arctan2, a=AWAY_FROM_ZERO,
                         b=DENOMINATORS),
}


@pytest.mark.parametrize("name", list(MATH_BINARY))
@BUDGET
@given(data=st.data())
def test_math_binary(name, data):
    op = MATH_BINARY[name]
    check_op(op.fn, data.draw(binary_inputs(op)), data, op.ref)


@pytest.mark.parametrize("name", list(MATH_BINARY))
@settings(max_examples=10)
@given(data=st.data())
def test_math_binary_float32(name, data):
    op = MATH_BINARY[name]
    check_float32(op.fn, data.draw(binary_inputs(op)))


def _lerp(start, end, weight):
    return start + weight * (end - start)


@BUDGET
@given(data=st.data(), shapes_=broadcastable_shapes(3))
def test_lerp(data, shapes_):
    """lerp(start, end, weight) with a tensor weight (all three differentiated)."""
    inputs = [data.draw(arrays(s)) for s in shapes_.input_shapes]
    check_op(tg.lerp, inputs, data, _lerp)


@BUDGET
@given(data=st.data(), shapes_=broadcastable_shapes(2), weight=st.floats(-1, 2))
def test_lerp_scalar_weight(data, shapes_, weight):
    start, end = (data.draw(arrays(s)) for s in shapes_.input_shapes)
    check_op(lambda s, e: s.lerp(e, weight), [start, end], data,
             lambda s, e: _lerp(s, e, weight))


def test_lerp_is_exact_at_its_ends_and_keeps_float32():
    """PyTorch evaluates from the nearer end: weight 1 gives end exactly (a plain
    start + w (end - start) gives 0.30000000000000004 here)."""
    start, end = tg.Tensor(np.array([1e16, 0.1])), tg.Tensor(np.array([1.0, 0.3]))
    np.testing.assert_array_equal(tg.lerp(start, end, 1.0).data, [1.0, 0.3])
    x = tg.Tensor(np.ones(2, np.float32))
    assert tg.lerp(x, x * 3, 0.25).dtype == np.float32


# ----------------------------------------------------------------------------- clamp
def _clamp(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


CLAMPS = {
    "clamp(x, lo, hi)": (lambda x, lo, hi: tg.clamp(x, lo, hi), _clamp),
    "x.clamp(min=lo, max=hi)": (lambda x, lo, hi: x.clamp(min=lo, max=hi), _clamp),
    "x.clip(lo, hi)": (lambda x, lo, hi: x.clip(lo, hi), _clamp),
}


@pytest.mark.parametrize("name", list(CLAMPS))
@BUDGET
@given(data=st.data(), shapes_=broadcastable_shapes(3))
def test_clamp_tensor_bounds(name, data, shapes_):
    """Tensor bounds (lo > hi included, where PyTorch gives hi); values all far apart, so
    no point sits on a kink."""
    fn, ref = CLAMPS[name]
    check_op(fn, data.draw(distinct_arrays(*shapes_.input_shapes)), data, ref)


@pytest.mark.parametrize("bound", ["min", "max"])
@BUDGET
@given(data=st.data(), shapes_=broadcastable_shapes(2))
def test_clamp_one_tensor_bound(bound, data, shapes_):
    x, b = data.draw(distinct_arrays(*shapes_.input_shapes))
    fn = (tg.clamp_min, np.maximum) if bound == "min" else (tg.clamp_max, np.minimum)
    check_op(fn[0], [x, b], data, fn[1])


def test_clamp_gradients_follow_pytorch_at_ties_and_crossed_bounds():
    """Values of torch.clamp's backward (2.13): bounds included for x; lo > hi gives hi."""
    x = tg.Tensor(np.array([-2.0, 0.5, 1.0, 3.0, 1.0, 1.0]), requires_grad=True)
    lo = tg.Tensor(np.array([1.0, 1.0, 1.0, 1.0, 0.0, 2.0]), requires_grad=True)
    hi = tg.Tensor(np.array([1.0, 1.0, 1.0, 1.0, 2.0, 0.0]), requires_grad=True)
    y = tg.clamp(x, lo, hi)
    np.testing.assert_array_equal(y.data, [1, 1, 1, 1, 1, 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1, 0, 1, 0])
    np.testing.assert_array_equal(lo.grad.data, [0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(hi.grad.data, [0, 0, 0, 1, 0, 1])


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        tg.clamp(tg.ones(2))
    assert tg.clip is tg.clamp and tg.Tensor.clip is tg.Tensor.clamp


# ----------------------------------------------------------------------------- numerics
@pytest.fixture
def no_warnings():
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("error")
        yield


def test_erf_and_erfc_match_math_to_the_last_bit(no_warnings):
    """float64 values over the whole range (erfc's tail included, where 1 - erf is 0)."""
    x = np.concatenate([np.linspace(-6, 6, 2001), [0.0, 1e-300, -1e-10, 10.0, 26.0, 27.5]])
    np.testing.assert_array_equal(tg.erf(tg.Tensor(x)).data, [math.erf(v) for v in x])
    np.testing.assert_array_equal(tg.erfc(tg.Tensor(x)).data, [math.erfc(v) for v in x])
    assert tg.erfc(tg.Tensor(np.array([26.0]))).data[0] > 0
    assert tg.erf(tg.Tensor(np.array([0.5], np.float32))).dtype == np.float32


def test_hypot_logaddexp_expm1_log1p_at_extremes(no_warnings):
    big = tg.Tensor(np.array([1e200, 1e308]), requires_grad=True)
    h = tg.hypot(big, big)
    np.testing.assert_allclose(h.data, [math.sqrt(2) * 1e200, math.hypot(1e308, 1e308)])
    h.sum().backward()
    np.testing.assert_allclose(big.grad.data, [2 / math.sqrt(2)] * 2)   # both inputs: 2 a/h

    a = tg.Tensor(np.array([1e308, -1e308, 0.0, -np.inf]), requires_grad=True)
    b = tg.Tensor(np.array([1e308, 0.0, -800.0, 0.0]), requires_grad=True)
    y = tg.logaddexp(a, b)
    np.testing.assert_allclose(y.data, [1e308 + math.log(2), 0.0, 0.0, 0.0])
    y.sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.5, 0.0, 1.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(b.grad.data, [0.5, 1.0, 0.0, 1.0], atol=1e-300)

    tiny = np.array([1e-300, -1e-20, 1e-10])
    np.testing.assert_array_equal(tg.expm1(tg.Tensor(tiny)).data, np.expm1(tiny))
    np.testing.assert_array_equal(tg.log1p(tg.Tensor(tiny)).data, np.log1p(tiny))
    assert tg.expm1(tg.Tensor(tiny)).data[0] == 1e-300  # exp(x) - 1 would give 0


def test_out_of_domain_values_are_pytorchs_without_warnings(no_warnings):
    """PyTorch returns these silently; NumPy would warn."""
    x = tg.Tensor(np.array([0.0, -1.0, 0.5, np.inf]), requires_grad=True)
    np.testing.assert_array_equal(tg.log2(x).data, [-np.inf, np.nan, -1.0, np.inf])
    np.testing.assert_array_equal(tg.acosh(x).data[:3], [np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(tg.reciprocal(x).data, [np.inf, -1.0, 2.0, 0.0])
    y = tg.rsqrt(x)
    y.sum().backward()
    assert x.grad.data[0] == -np.inf and x.grad.data[3] == 0.0   # PyTorch's -inf and -0
    np.testing.assert_array_equal(tg.sinh(tg.Tensor(np.array([1e308]))).data, [np.inf])


def test_piecewise_constant_ops_have_zero_gradient_even_at_the_steps():
    x = tg.Tensor(np.array([0.0, 1.0, 2.5, -0.5]), requires_grad=True)
    for op in (tg.sign, tg.floor, tg.ceil, tg.trunc, tg.round):
        x.grad = None
        op(x).sum().backward()
        np.testing.assert_array_equal(x.grad.data, 0.0)
    np.testing.assert_array_equal(tg.round(x).data, [0.0, 1.0, 2.0, -0.0])  # halves to even


def test_nan_to_num_values_and_gradient():
    x = tg.Tensor(np.array([np.nan, np.inf, -np.inf, 1.5], np.float32), requires_grad=True)
    y = tg.nan_to_num(x)
    big = np.finfo(np.float32).max
    np.testing.assert_array_equal(y.data, np.array([0.0, big, -big, 1.5], np.float32))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 1.0])
    assert x.grad.dtype == np.float32
    z = x.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0)
    np.testing.assert_array_equal(z.data, [1.0, 2.0, -3.0, 1.5])


def test_copysign_gradient_is_0_at_0_and_other_gets_zeros():
    """PyTorch: d/dx = out / x (0 where x == 0); the sign source gets gradient 0."""
    x = tg.Tensor(np.array([-2.0, 0.0, -0.0, 3.0]), requires_grad=True)
    s = tg.Tensor(np.array([1.0, -1.0, -1.0, -1.0]), requires_grad=True)
    y = tg.copysign(x, s)
    np.testing.assert_array_equal(y.data, [2.0, -0.0, -0.0, -3.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 0.0, -1.0])
    np.testing.assert_array_equal(s.grad.data, 0.0)


@pytest.mark.parametrize("name", ["sin", "exp2", "sign", "hypot"])
def test_functions_are_tensor_methods(name):
    assert getattr(tg.Tensor, name) is getattr(tg, name) is getattr(tg.ops, name)

