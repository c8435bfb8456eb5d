"""Elementwise ops: unary maths and activations, binary arithmetic with broadcasting,
constant operands (Python scalars and NumPy arrays on either side), clip, where, and the
non-differentiable comparisons."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

from .checks import check_op
from .strategies import (
    AWAY_FROM_ZERO,
    BASES,
    DENOMINATORS,
    POSITIVE,
    SMOOTH,
    arrays,
    broadcastable_shapes,
    clip_cases,
    distinct_arrays,
    shapes,
)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _leaky(slope):
    return lambda x: np.where(x > 0, x, slope * x)


# ----------------------------------------------------------------------------- unary
# id -> (op, NumPy reference, domain of the input)
UNARY: dict[str, tuple[Any, Any, st.SearchStrategy[float]]] = {
    "neg": (tg.neg, np.negative, SMOOTH),
    "-x": (operator.neg, np.negative, SMOOTH),
    "exp": (tg.exp, np.exp, SMOOTH),
    "log": (tg.log, np.log, POSITIVE),
    "sqrt": (tg.sqrt, np.sqrt, POSITIVE),
    "abs": (tg.abs, np.abs, AWAY_FROM_ZERO),
    "abs(x)": (abs, np.abs, AWAY_FROM_ZERO),
    "sigmoid": (tg.sigmoid, _sigmoid, SMOOTH),
    "tanh": (tg.tanh, np.tanh, SMOOTH),
    "relu": (tg.relu, lambda x: np.maximum(x, 0), AWAY_FROM_ZERO),
    "leaky_relu": (tg.leaky_relu, _leaky(0.01), AWAY_FROM_ZERO),
    "leaky_relu(0.2)": (lambda x: x.leaky_relu(negative_slope=0.2), _leaky(0.2),
                        AWAY_FROM_ZERO),
    "softplus": (tg.softplus, lambda x: np.log1p(np.exp(x)), SMOOTH),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data())
def test_unary(name, data):
    fn, ref, domain = UNARY[name]
    x = data.draw(arrays(data.draw(shapes()), domain))
    check_op(fn, [x], data, ref)


# ----------------------------------------------------------------------------- binary
@dataclass(frozen=True)
class Binary:
    fn: Any
    ref: Any
    a: st.SearchStrategy[float] = SMOOTH
    b: st.SearchStrategy[float] = SMOOTH
    distinct: bool = False  # values of a and b all far apart (no ties anywhere)


BINARY: dict[str, Binary] = {
    "add": Binary(tg.add, np.add),
    "a + b": Binary(operator.add, np.add),
    "sub": Binary(tg.sub, np.subtract),
    "a - b": Binary(operator.sub, np.subtract),
    "mul": Binary(tg.mul, np.multiply),
    "a * b": Binary(operator.mul, np.multiply),
    "div": Binary(tg.div, np.divide, b=DENOMINATORS),
    "a / b": Binary(operator.truediv, np.divide, b=DENOMINATORS),
    "pow": Binary(tg.pow, np.power, a=BASES, b=st.floats(-2, 2)),
    "a ** b": Binary(operator.pow, np.power, a=BASES, b=st.floats(-2, 2)),
    "maximum": Binary(tg.maximum, np.maximum, distinct=True),
    "minimum": Binary(tg.minimum, np.minimum, distinct=True),
}


@st.composite
def binary_inputs(draw, op: Binary):
    """Two arrays of mutually broadcastable shapes in the op's domains."""
    sa, sb = draw(broadcastable_shapes(2)).input_shapes
    if op.distinct:
        return draw(distinct_arrays(sa, sb))
    return draw(arrays(sa, op.a)), draw(arrays(sb, op.b))


@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data())
def test_binary(name, data):
    op = BINARY[name]
    check_op(op.fn, data.draw(binary_inputs(op)), data, op.ref)


# ----------------------------------------------------------------------------- constants
# A constant operand (Python float or int, NumPy scalar or array) on either side of a tensor;
# with the constant on the left Python calls the reflected operator (__radd__ ...), and a
# NumPy array or scalar reaches the same op through Tensor.__array_ufunc__.
# id -> (operator, domain of the tensor, domain of the constant, Python ints for the constant)
CONSTANT_LEFT = {
    "c + x": (operator.add, SMOOTH, SMOOTH, st.integers(-3, 3)),
    "c - x": (operator.sub, SMOOTH, SMOOTH, st.integers(-3, 3)),
    "c * x": (operator.mul, SMOOTH, SMOOTH, st.integers(-3, 3)),
    "c / x": (operator.truediv, DENOMINATORS, SMOOTH, st.integers(-3, 3)),
    "c ** x": (operator.pow, SMOOTH, BASES, st.integers(1, 3)),
}
CONSTANT_RIGHT = {
    "x + c": (operator.add, SMOOTH, SMOOTH, st.integers(-3, 3)),
    "x - c": (operator.sub, SMOOTH, SMOOTH, st.integers(-3, 3)),
    "x * c": (operator.mul, SMOOTH, SMOOTH, st.integers(-3, 3)),
    "x / c": (operator.truediv, SMOOTH, DENOMINATORS, st.sampled_from([-3, -2, -1, 1, 2, 3])),
}


@st.composite
def _constant(draw, shape, floats, ints):
    """A Python float or int, a NumPy scalar, or a NumPy array (broadcastable with x)."""
    kind = draw(st.sampled_from(["float", "int", "numpy scalar", "array"]))
    if kind == "array":
        return draw(arrays(shape, floats))
    if kind == "numpy scalar":
        return np.float64(draw(floats))
    return draw(floats) if kind == "float" else draw(ints)


@pytest.mark.parametrize("name", [*CONSTANT_LEFT, *CONSTANT_RIGHT])
@given(data=st.data(), shapes_=broadcastable_shapes(2))
def test_constant_operand(name, data, shapes_):
    left = name in CONSTANT_LEFT
    op, x_dom, c_dom, c_ints = (CONSTANT_LEFT if left else CONSTANT_RIGHT)[name]
    sx, sc = shapes_.input_shapes
    x = data.draw(arrays(sx, x_dom))
    c = data.draw(_constant(sc, c_dom, c_ints))
    if left:
        check_op(lambda t: op(c, t), [x], data, lambda a: op(c, a))
    else:
        check_op(lambda t: op(t, c), [x], data, lambda a: op(a, c))


@given(data=st.data(), shapes_=broadcastable_shapes(2),
       exponent=st.sampled_from([0, 1, 2, 3, -1, -2, 0.0, 2.0, 0.5, 1.5, -0.5, "array"]))
def test_pow_constant_exponent(data, shapes_, exponent):
    """x ** c: integer exponents over the whole line (0 included: x**0 and x**1 are smooth
    there), negative ones away from 0, fractional ones on positive bases."""
    sx, sc = shapes_.input_shapes
    if isinstance(exponent, str):
        exponent = data.draw(arrays(sc, st.floats(-2, 2)))
        domain = BASES
    elif float(exponent).is_integer():
        domain = SMOOTH if exponent >= 0 else AWAY_FROM_ZERO
    else:
        domain = BASES
    x = data.draw(arrays(sx, domain))
    check_op(lambda t: t ** exponent, [x], data, lambda a: a ** exponent)


@given(data=st.data(), shape=shapes(), base=st.sampled_from([0.0, 0.5, 2.0, np.e, 10.0]))
def test_scalar_base_pow(data, shape, base):
    """c ** x with a Python scalar base, 0 included (d/dx 0**x = 0 for x > 0)."""
    x = data.draw(arrays(shape, st.floats(0.5, 2) if base == 0 else SMOOTH))
    check_op(lambda t: tg.pow(base, t), [x], data, lambda a: np.power(base, a))


# ----------------------------------------------------------------------------- selection
CLIP_FORMS = {
    "clip": lambda x, lo, hi: tg.clip(x, lo, hi),
    "x.clamp": lambda x, lo, hi: x.clamp(min=lo, max=hi),
}


@pytest.mark.parametrize("form", list(CLIP_FORMS))
@given(data=st.data(), shape=shapes())
def test_clip(form, data, shape):
    x, lo, hi = data.draw(clip_cases(shape))
    check_op(lambda t: CLIP_FORMS[form](t, lo, hi), [x], data, lambda a: np.clip(a, lo, hi))


@given(data=st.data(), shapes_=broadcastable_shapes(3),
       cond_kind=st.sampled_from(["ndarray", "tensor", "list"]))
def test_where(data, shapes_, cond_kind):
    sc, sa, sb = shapes_.input_shapes
    cond = data.draw(arrays(sc, st.floats(-1, 1))) > 0
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    c = {"ndarray": cond, "tensor": tg.Tensor(cond), "list": cond.tolist()}[cond_kind]
    check_op(lambda x, y: tg.where(c, x, y), [a, b], data, lambda x, y: np.where(cond, x, y))


# ----------------------------------------------------------------------------- comparisons
COMPARISONS = {
    "eq": (tg.eq, np.equal), "a == b": (operator.eq, np.equal),
    "ne": (tg.ne, np.not_equal), "a != b": (operator.ne, np.not_equal),
    "lt": (tg.lt, np.less), "a < b": (operator.lt, np.less),
    "le": (tg.le, np.less_equal), "a <= b": (operator.le, np.less_equal),
    "gt": (tg.gt, np.greater), "a > b": (operator.gt, np.greater),
    "ge": (tg.ge, np.greater_equal), "a >= b": (operator.ge, np.greater_equal),
}


@pytest.mark.parametrize("name", list(COMPARISONS))
@given(data=st.data(), shapes_=broadcastable_shapes(2))
def test_comparison(name, data, shapes_):
    """Not differentiable: a bool tensor outside the graph, NumPy's values (ties included)."""
    fn, ref = COMPARISONS[name]
    few = st.sampled_from([-1.0, 0.0, 1.0])
    a, b = (data.draw(arrays(s, few)) for s in shapes_.input_shapes)
    out = fn(tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True))
    assert isinstance(out, tg.Tensor)
    assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.data, ref(a, b))


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods_have_pytorch_names(name):
    """x.eq(y), x.lt(y) ... as in PyTorch: the Tensor methods are the public functions."""
    assert getattr(tg.Tensor, name, None) is getattr(tg, name)
