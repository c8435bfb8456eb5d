"""Tests and logic (``ops/logic.py``) and the comparisons' PyTorch aliases: bool tensors
outside the graph with NumPy's values (NaN and infinities included); ``any``/``all`` over
``dim`` with ``keepdim``; ``allclose``/``equal`` give Python bools."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

from .strategies import arrays, axes, broadcastable_shapes, shapes
from .test_math import BUDGET

SPECIAL = st.sampled_from([-np.inf, -1.0, 0.0, 1e-9, 1.0, np.inf, np.nan])

UNARY_TESTS = {
    "isnan": (tg.isnan, np.isnan), "isinf": (tg.isinf, np.isinf),
    "isfinite": (tg.isfinite, np.isfinite), "isposinf": (tg.isposinf, np.isposinf),
    "isneginf": (tg.isneginf, np.isneginf), "logical_not": (tg.logical_not, np.logical_not),
    "x.isnan()": (lambda x: x.isnan(), np.isnan),
}
BINARY_TESTS = {
    "logical_and": (tg.logical_and, np.logical_and),
    "logical_or": (tg.logical_or, np.logical_or),
    "logical_xor": (tg.logical_xor, np.logical_xor),
    "isclose": (tg.isclose, np.isclose),
    "isclose(equal_nan)": (lambda a, b: a.isclose(b, rtol=0.1, equal_nan=True),
                           lambda a, b: np.isclose(a, b, rtol=0.1, equal_nan=True)),
    "greater": (tg.greater, np.greater), "greater_equal": (tg.greater_equal, np.greater_equal),
    "less": (tg.less, np.less), "less_equal": (tg.less_equal, np.less_equal),
    "not_equal": (tg.not_equal, np.not_equal),
    "x.less_equal(y)": (lambda a, b: a.less_equal(b), np.less_equal),
}


def _check_bool(out, want):
    assert isinstance(out, tg.Tensor)
    assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
    assert out.shape == np.shape(want)
    np.testing.assert_array_equal(out.data, want)


@pytest.mark.parametrize("name", list(UNARY_TESTS))
@BUDGET
@given(data=st.data(), shape=shapes())
def test_unary_test(name, data, shape):
    fn, ref = UNARY_TESTS[name]
    x = data.draw(arrays(shape, SPECIAL))
    _check_bool(fn(tg.Tensor(x, requires_grad=True)), ref(x))


@pytest.mark.parametrize("name", list(BINARY_TESTS))
@BUDGET
@given(data=st.data(), shapes_=broadcastable_shapes(2))
def test_binary_test(name, data, shapes_):
    fn, ref = BINARY_TESTS[name]
    a, b = (data.draw(arrays(s, SPECIAL)) for s in shapes_.input_shapes)
    _check_bool(fn(tg.Tensor(a, requires_grad=True), tg.Tensor(b)), ref(a, b))


@pytest.mark.parametrize("name", ["any", "all"])
@BUDGET
@given(data=st.data(), keepdim=st.booleans(), torch_names=st.booleans())
def test_any_all(name, data, keepdim, torch_names):
    shape = data.draw(shapes())
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, st.sampled_from([0.0, 1.0, np.nan])))
    kw = dict(dim=axis, keepdim=keepdim) if torch_names else dict(axis=axis, keepdims=keepdim)
    ref = getattr(np, name)(x, axis=axis if shape else None, keepdims=keepdim)
    _check_bool(getattr(tg, name)(tg.Tensor(x), **kw), ref)
    _check_bool(getattr(tg.Tensor(x), name)(**kw), ref)


@BUDGET
@given(data=st.data(), shapes_=broadcastable_shapes(2))
def test_allclose_and_equal(data, shapes_):
    a, b = (data.draw(arrays(s, SPECIAL)) for s in shapes_.input_shapes)
    ta, tb = tg.Tensor(a), tg.Tensor(b)
    assert tg.allclose(ta, tb) is bool(np.allclose(a, b))
    assert ta.allclose(tb, equal_nan=True) is bool(np.allclose(a, b, equal_nan=True))
    assert tg.equal(ta, tb) is (a.shape == b.shape and bool((a == b).all()))
    assert tg.equal(ta, ta) is (not np.isnan(a).any())


@pytest.mark.parametrize("name", ["isnan", "logical_and", "any", "all", "isclose", "greater"])
def test_tensor_methods_are_the_functions(name):
    assert getattr(tg.Tensor, name) is getattr(tg, name)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf",
                                  "logical_not", "logical_and", "logical_or", "logical_xor"])
def test_elementwise_tests_have_their_name_and_docstring(name):
    """``help(tg.isnan)`` says what it does."""
    f = getattr(tg, name)
    assert f.__name__ == f.__qualname__ == name
    assert f.__doc__ is not None
    assert "elementwise" in f.__doc__ or "each element" in f.__doc__
