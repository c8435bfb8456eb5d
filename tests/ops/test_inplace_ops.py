"""In-place ops through the generic property check (values, first and second order).

Each twin runs on an intermediate ``h = x * 1.0`` (so it is recorded and ``h`` is rebased)
and must give the out-of-place op's values and gradients.  `TWINS` lists every in-place
method; tests/ops/test_registry.py requires an entry for each one that exists.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Tensor

from .checks import check_op
from .strategies import (
    AWAY_FROM_ZERO,
    BASES,
    DENOMINATORS,
    POSITIVE,
    SMOOTH,
    arrays,
    bool_masks,
    clip_cases,
    shapes,
)
from .test_shape import INDEXES


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _twin(name: str):
    """``h = x * 1.0; h.name(*others, *constants)``, returning h."""
    def run(x, *others, consts=(), kwargs=None):
        h = x * 1.0
        out = getattr(h, name)(*others, *consts, **(kwargs or {}))
        assert out is h
        return h
    return run


def _rng() -> np.random.Generator:
    return np.random.default_rng(7)


# name -> (number of tensor operands, NumPy reference, domain of x, domain of the operand)
TWINS: dict[str, tuple[int, Any, Any, Any]] = {
    "add_": (1, np.add, SMOOTH, SMOOTH), "sub_": (1, np.subtract, SMOOTH, SMOOTH),
    "mul_": (1, np.multiply, SMOOTH, SMOOTH), "div_": (1, np.divide, SMOOTH, DENOMINATORS),
    "pow_": (1, np.power, BASES, st.floats(-2, 2)),
    "__iadd__": (1, np.add, SMOOTH, SMOOTH), "__isub__": (1, np.subtract, SMOOTH, SMOOTH),
    "__imul__": (1, np.multiply, SMOOTH, SMOOTH),
    "__itruediv__": (1, np.divide, SMOOTH, DENOMINATORS),
    "__ipow__": (1, np.power, BASES, st.floats(-2, 2)),
    "copy_": (1, lambda a, b: b + 0 * a, SMOOTH, SMOOTH),
    "neg_": (0, np.negative, SMOOTH, None), "exp_": (0, np.exp, SMOOTH, None),
    "log_": (0, np.log, POSITIVE, None), "sqrt_": (0, np.sqrt, POSITIVE, None),
    "abs_": (0, np.abs, AWAY_FROM_ZERO, None), "sigmoid_": (0, _sigmoid, SMOOTH, None),
    "tanh_": (0, np.tanh, SMOOTH, None), "relu_": (0, lambda a: np.maximum(a, 0),
                                                   AWAY_FROM_ZERO, None),
    "zero_": (0, np.zeros_like, SMOOTH, None),
    "fill_": (0, lambda a: np.full_like(a, 2.5), SMOOTH, None),
    "normal_": (0, lambda a: _rng().normal(1.0, 2.0, a.shape), SMOOTH, None),
    "uniform_": (0, lambda a: _rng().uniform(-1.0, 3.0, a.shape), SMOOTH, None),
    # the maths ops' twins
    "sin_": (0, np.sin, SMOOTH, None), "cos_": (0, np.cos, SMOOTH, None),
    "atan_": (0, np.arctan, SMOOTH, None), "sinh_": (0, np.sinh, SMOOTH, None),
    "cosh_": (0, np.cosh, SMOOTH, None), "asinh_": (0, np.arcsinh, SMOOTH, None),
    "expm1_": (0, np.expm1, SMOOTH, None), "log1p_": (0, np.log1p, POSITIVE, None),
    "log2_": (0, np.log2, POSITIVE, None), "log10_": (0, np.log10, POSITIVE, None),
    "exp2_": (0, np.exp2, SMOOTH, None), "square_": (0, np.square, SMOOTH, None),
    "reciprocal_": (0, np.reciprocal, AWAY_FROM_ZERO, None),
    "rsqrt_": (0, lambda a: 1 / np.sqrt(a), POSITIVE, None),
    "erf_": (0, np.vectorize(math.erf, otypes=[float]), SMOOTH, None),
    # clip family: bounds drawn by clip_cases
    "clamp_": (0, None, None, None), "clip_": (0, None, None, None),
    "clamp_min_": (0, None, None, None), "clamp_max_": (0, None, None, None),
}
CONSTS = {"fill_": (2.5,), "normal_": (1.0, 2.0), "uniform_": (-1.0, 3.0)}
CLIPS = {"clamp_": lambda lo, hi: (lo, hi), "clip_": lambda lo, hi: (lo, hi)}


@pytest.mark.parametrize("name", list(TWINS))
@given(data=st.data())
def test_twin(name, data):
    n_other, ref, x_domain, other_domain = TWINS[name]
    shape = data.draw(shapes())
    run = _twin(name)
    if ref is None:  # the clip family
        x, lo, hi = data.draw(clip_cases(shape))
        if name in CLIPS:
            consts, want = CLIPS[name](lo, hi), lambda a: np.clip(a, lo, hi)
        elif name == "clamp_min_":
            assume(lo is not None)
            consts, want = (lo,), lambda a: np.maximum(a, lo)
        else:
            assume(hi is not None)
            consts, want = (hi,), lambda a: np.minimum(a, hi)
        check_op(lambda t: run(t, consts=consts), [x], data, want)
        return
    x = data.draw(arrays(shape, x_domain))
    consts = CONSTS.get(name, ())
    if name in ("normal_", "uniform_"):
        check_op(lambda t: run(t, consts=consts, kwargs={"generator": _rng()}), [x], data, ref)
    elif n_other:
        other = data.draw(arrays(shape[data.draw(st.integers(0, len(shape))):], other_domain))
        check_op(run, [x, other], data, ref)
    else:
        check_op(lambda t: run(t, consts=consts), [x], data, ref)


@pytest.mark.parametrize("name", ["mul_", "exp_", "sigmoid_", "sin_", "expm1_"])
def test_twin_has_its_name_and_docstring(name):
    """``help(x.sin_)`` names the out-of-place op it writes back (``inplace_twins``)."""
    method = getattr(Tensor, name)
    assert method.__name__ == name
    assert method.__doc__ is not None and f"``x.{name[:-1]}(...)``" in method.__doc__


@pytest.mark.parametrize("op", ["add", "sub"])
@given(data=st.data(), alpha=st.sampled_from([2.0, -0.5]))
def test_add_sub_alpha(op, data, alpha):
    shape = data.draw(shapes())
    x, y = data.draw(arrays(shape)), data.draw(arrays(shape))
    sign = 1 if op == "add" else -1
    check_op(lambda a, b: _twin(f"{op}_")(a, b, kwargs={"alpha": alpha}), [x, y], data,
             lambda a, b: a + sign * alpha * b)


@pytest.mark.parametrize("name", ["clamp_min", "clamp_max"])
@given(data=st.data())
def test_clamp_min_max(name, data):
    x, lo, hi = data.draw(clip_cases(data.draw(shapes())))
    bound = lo if name == "clamp_min" else hi
    assume(bound is not None)
    want = np.maximum if name == "clamp_min" else np.minimum
    check_op(lambda t: getattr(t, name)(bound), [x], data, lambda a: want(a, bound))


SETITEM_INDEXES = {"basic": INDEXES["basic"], "bool mask": bool_masks}


@pytest.mark.parametrize("kind", list(SETITEM_INDEXES))
@given(data=st.data(), form=st.sampled_from(["x[i] = v", "broadcast v", "scalar v"]))
def test_setitem(kind, data, form):
    """x's values at the index get gradient 0, v gets g[index] (summed where broadcast)."""
    shape = data.draw(shapes())
    index = data.draw(SETITEM_INDEXES[kind](shape))
    np_index = np.asarray(index) if isinstance(index, list) else index
    target = np.empty(shape)[np_index].shape
    x = data.draw(arrays(shape))

    def put(a, v):
        out = a.copy()
        out[np_index] = v
        return out

    if form == "scalar v":
        def fn(t):
            h = t * 1.0
            h[index] = 2.0
            return h
        check_op(fn, [x], data, lambda a: put(a, 2.0))
        return
    vshape = target[data.draw(st.integers(0, len(target))):] if form == "broadcast v" else target

    def fn(t, v):
        h = t * 1.0
        operator.setitem(h, index, v)
        return h
    check_op(fn, [x, data.draw(arrays(vshape))], data, put)
