"""Reductions over axis/keepdims (sum mean var std logsumexp), the softmax family along one
axis, and the non-differentiable argmax/argmin (max/min: test_sort.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

from .checks import check_op
from .strategies import arrays, axes, distinct_arrays, reduced_count, shapes


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis):
    return x - _logsumexp(x, axis=axis, keepdims=True)


# id -> (op, NumPy reference, needs distinct values, needs >= 2 values per reduction)
REDUCTIONS = {
    "sum": (tg.sum, np.sum, False, False),
    "mean": (tg.mean, np.mean, False, False),
    # var/std default to PyTorch's unbiased estimate (np.var/np.std's ddof=1)
    "var": (tg.var, lambda x, **kw: np.var(x, ddof=1, **kw), False, True),
    "var(ddof=0)": (lambda x, **kw: tg.var(x, ddof=0, **kw), np.var, False, False),
    # std = sqrt(var): distinct values keep var (the sqrt's argument) away from 0
    "std": (tg.std, lambda x, **kw: np.std(x, ddof=1, **kw), True, True),
    "std(correction=0)": (lambda x, **kw: x.std(correction=0, **kw), np.std, True, True),
    "logsumexp": (tg.logsumexp, _logsumexp, False, False),
}


@st.composite
def _reduction_case(draw, several: bool):
    """(shape, axis); with ``several`` every output combines at least 2 values."""
    shape = draw(shapes(min_dims=1 if several else 0))
    axis = draw(axes(len(shape)))
    if several and reduced_count(shape, axis) < 2:
        # make the first reduced axis long enough (a structural choice, not a value filter)
        first = 0 if axis is None else (axis if isinstance(axis, int) else axis[0])
        shape = tuple(2 if i == first % len(shape) else n for i, n in enumerate(shape))
    return shape, axis


@pytest.mark.parametrize("name", list(REDUCTIONS))
@given(data=st.data(), keepdims=st.booleans(), torch_names=st.booleans())
def test_reduction(name, data, keepdims, torch_names):
    fn, ref, distinct, several = REDUCTIONS[name]
    shape, axis = data.draw(_reduction_case(several))
    x = data.draw(distinct_arrays(shape))[0] if distinct else data.draw(arrays(shape))
    kw = dict(dim=axis, keepdim=keepdims) if torch_names else dict(axis=axis,
                                                                   keepdims=keepdims)
    check_op(lambda t: fn(t, **kw), [x], data,
             lambda a: ref(a, axis=axis, keepdims=keepdims))


SOFTMAXES = {
    "softmax": (tg.softmax, _softmax),
    "log_softmax": (tg.log_softmax, _log_softmax),
}


@pytest.mark.parametrize("name", list(SOFTMAXES))
@given(data=st.data(), torch_names=st.booleans())
def test_softmax_family(name, data, torch_names):
    fn, ref = SOFTMAXES[name]
    shape = data.draw(shapes())
    axis = data.draw(st.integers(-len(shape), len(shape) - 1) if shape
                     else st.sampled_from([0, -1]))
    x = data.draw(arrays(shape))
    kw = dict(dim=axis) if torch_names else dict(axis=axis)
    check_op(lambda t: fn(t, **kw), [x], data, lambda a: ref(a, axis))


ARG_REDUCTIONS = {"argmax": (tg.argmax, np.argmax), "argmin": (tg.argmin, np.argmin)}


@pytest.mark.parametrize("name", list(ARG_REDUCTIONS))
@given(data=st.data(), keepdims=st.booleans())
def test_arg_reduction(name, data, keepdims):
    """Not differentiable: int64 positions outside the graph, as NumPy."""
    fn, ref = ARG_REDUCTIONS[name]
    shape = data.draw(shapes())
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) if shape
                     else st.none())
    (x,) = data.draw(distinct_arrays(shape))
    out = fn(tg.Tensor(x, requires_grad=True), axis=axis, keepdims=keepdims)
    assert out.dtype == np.int64 and not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.data, ref(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("fn, split", [
    (lambda x: tg.max(x), [0.5, 0, 0.5]),
    (lambda x: tg.min(-x), [-0.5, 0, -0.5]),
    (lambda x: tg.maximum(x, tg.Tensor(np.array([2.0, 0.0, 3.0]))), [0.5, 1, 0]),
    (lambda x: tg.minimum(-x, tg.Tensor(np.array([-2.0, 0.0, -3.0]))), [-0.5, -1, 0]),
], ids=["max", "min", "maximum", "minimum"])
def test_ties_split_the_gradient_equally(fn, split):
    x = tg.Tensor(np.array([2.0, 1.0, 2.0]), requires_grad=True)
    fn(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, split)
