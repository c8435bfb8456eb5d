"""Reductions of issue 13: prod, amax/amin, cumsum/cumprod, norm / vector_norm /
matrix_norm, var_mean / std_mean, sum/mean ``dtype=``: values against NumPy, first and
second derivatives against float64 finite differences (zeros included where the function
is a polynomial, so finite differences are exact there), and PyTorch's edge rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.tools.gradcheck import gradcheck, gradgradcheck

from .checks import check_op
from .strategies import AWAY_FROM_ZERO, SMOOTH, arrays, axes, distinct_arrays, shapes
from .test_float32 import check_float32
from .test_math import BUDGET

# prod and cumprod are polynomials, so finite differences are exact at 0 too; other values
# stay away from 0 (the out / a formula's second derivative cancels for tiny factors)
WITH_ZEROS = AWAY_FROM_ZERO | st.just(0.0)


@st.composite
def _int_axis(draw, shape):
    return draw(st.integers(-len(shape), len(shape) - 1)) if shape else draw(
        st.sampled_from([0, -1]))


@BUDGET
@given(data=st.data(), keepdim=st.booleans())
def test_prod(data, keepdim):
    shape = data.draw(shapes())
    axis = data.draw(st.none() | _int_axis(shape))
    x = data.draw(arrays(shape, WITH_ZEROS))
    ref_axis = axis if shape else None
    check_op(lambda t: t.prod(dim=axis, keepdim=keepdim), [x], data,
             lambda a: np.prod(a, axis=ref_axis, keepdims=keepdim))


@pytest.mark.parametrize("name", ["amax", "amin"])
@BUDGET
@given(data=st.data(), keepdim=st.booleans())
def test_amax_amin(name, data, keepdim):
    shape = data.draw(shapes())
    axis = data.draw(axes(len(shape)))
    (x,) = data.draw(distinct_arrays(shape))
    ref = np.max if name == "amax" else np.min
    check_op(lambda t: getattr(t, name)(dim=axis, keepdim=keepdim), [x], data,
             lambda a: ref(a, axis=axis, keepdims=keepdim))


def test_amax_amin_split_ties_evenly_as_pytorch():
    x = tg.Tensor(np.array([[2.0, 1.0, 2.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.5, 0, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.amin().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    assert x.amax(dim=()).item() == 2.0


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@BUDGET
@given(data=st.data())
def test_cumsum_cumprod(name, data):
    shape = data.draw(shapes())
    dim = data.draw(_int_axis(shape))
    x = data.draw(arrays(shape, WITH_ZEROS if name == "cumprod" else SMOOTH))
    ref = getattr(np, name)
    check_op(lambda t: getattr(tg, name)(t, dim), [x], data,
             lambda a: ref(a, axis=dim) if a.ndim else a)


ZERO_CASES = [[0.0, 2.0, 1.5, 3.0], [2.0, 0.0, 1.5, 0.0], [0.0, 0.0, 0.0, 2.0],
              [1.5, 2.0, 3.0, 0.0]]


@pytest.mark.parametrize("values", ZERO_CASES, ids=["first", "two", "three", "last"])
@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_prod_and_cumprod_gradients_with_zeros(name, values):
    """One zero, several zeros: the exact gradient, and second derivatives (the Hessian is
    not 0 where a zero factor's partner is differentiated)."""
    x = tg.Tensor(np.array([values, [1.0, 2.0, 0.5, 3.0]]).T, requires_grad=True)
    fn = (lambda t: t.prod(0)) if name == "prod" else (lambda t: t.cumprod(0))
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])
    if name == "prod":
        a = np.array(values)
        y = tg.Tensor(a, requires_grad=True)
        y.prod().backward()
        others = [np.prod(np.delete(a, j)) for j in range(4)]
        np.testing.assert_array_equal(y.grad.data, others)


def test_cumprod_hessian_at_zeros_matches_pytorch():
    """torch.autograd.functional.hessian(lambda x: x.cumprod(0).sum(), [0, 2, 0, 3])."""
    x = tg.Tensor(np.array([0.0, 2.0, 0.0, 3.0]), requires_grad=True)
    (g,) = tg.grad(x.cumprod(0).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [3.0, 0.0, 0.0, 0.0])
    rows = [tg.grad(g[i], x, retain_graph=True, allow_unused=True)[0] for i in range(4)]
    hessian = np.stack([np.zeros(4) if r is None else r.data for r in rows])
    np.testing.assert_array_equal(hessian, [[0, 1, 8, 0], [1, 0, 0, 0], [8, 0, 0, 0],
                                            [0, 0, 0, 0]])


def test_scans_need_a_dim_and_check_it():
    x = tg.ones(2, 3)
    with pytest.raises(TypeError, match=r"cumsum\(\): missing the required argument 'dim'"):
        x.cumsum()
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 5"):
        x.cumprod(5)
    with pytest.raises(TypeError, match="prod: dim must be an int or None"):
        x.prod(dim=(0, 1))
    assert x.cumsum(-1, dtype=tg.float64).dtype == np.float64


# ----------------------------------------------------------------------------- norms
def _np_vector_norm(a, p, axis, keepdims):
    a = np.abs(a)
    if p == math.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1 / p)


@st.composite
def _no_tied_sums(draw, shape):
    """Signed distinct powers of two: no two row or column sums of |x| are equal."""
    n = math.prod(shape)
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    signs = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    return (signs * 2.0 ** (order - n / 2)).reshape(shape)


NORM_ORDS = {"2": 2, "1": 1, "3": 3, "0.5": 0.5, "-1": -1, "inf": math.inf, "-inf": -math.inf,
             "0": 0}


@pytest.mark.parametrize("p", list(NORM_ORDS))
@BUDGET
@given(data=st.data(), keepdim=st.booleans(), form=st.sampled_from(["norm", "vector_norm"]))
def test_vector_norms(p, data, keepdim, form):
    """Distinct |x| away from 0 (|x| has a kink there; ties would be kinks of inf)."""
    ord_ = NORM_ORDS[p]
    shape = data.draw(shapes())
    axis = data.draw(axes(len(shape)))
    x = data.draw(_no_tied_sums(shape))
    fn = (lambda t: t.norm(ord_, axis, keepdim)) if form == "norm" else (
        lambda t: tg.linalg.vector_norm(t, ord_, axis, keepdim))
    check_op(fn, [x], data, lambda a: _np_vector_norm(a, ord_, axis, keepdim))


@pytest.mark.parametrize("ord_", ["fro", 1, -1, math.inf, -math.inf])
@BUDGET
@given(data=st.data(), keepdim=st.booleans())
def test_matrix_norm(ord_, data, keepdim):
    shape = data.draw(shapes(min_dims=2))
    x = data.draw(_no_tied_sums(shape))
    fn = lambda t: tg.linalg.matrix_norm(t, ord_, keepdim=keepdim)  # noqa: E731
    ref = lambda a: np.linalg.norm(a, ord_, axis=(-2, -1), keepdims=keepdim)  # noqa: E731
    check_op(fn, [x], data, ref)


def test_norm_gradient_is_0_at_the_zero_vector_and_large_values_do_not_overflow():
    z = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    for p in (2, 3, "fro"):
        z.grad = None
        y = z.norm(p, dim=1)
        np.testing.assert_array_equal(y.data, [0.0, 0.0])
        y.sum().backward()
        np.testing.assert_array_equal(z.grad.data, 0.0)
    with np.errstate(over="raise"):
        big = tg.Tensor(np.array([1e200, 1e200, -1e200]), requires_grad=True)
        y = big.norm()
        y.backward()
    np.testing.assert_allclose(y.item(), math.sqrt(3) * 1e200, rtol=1e-15)
    np.testing.assert_allclose(big.grad.data, np.array([1, 1, -1]) / math.sqrt(3), rtol=1e-15)


def test_norm_over_rows_one_of_them_zero():
    """The zero row takes the no-0^(1/p - 1) path; the other row keeps its scale."""
    x = tg.Tensor(np.array([[0.0, 0.0], [3.0, -4.0]]), requires_grad=True)
    for p, norm in ((2, 5.0), (3, 91 ** (1 / 3))):
        x.grad = None
        y = x.norm(p, dim=1)
        np.testing.assert_allclose(y.data, [0.0, norm], rtol=1e-15)
        y.sum().backward()
        grad = np.sign(x.data[1]) * np.abs(x.data[1]) ** (p - 1) / norm ** (p - 1)
        np.testing.assert_allclose(x.grad.data, [[0.0, 0.0], grad], rtol=1e-15)


def test_norm_of_tiny_values_does_not_underflow():
    """c * norm(x / c) with c = max |x|: the squares of 1e-200 would be 0."""
    tiny = tg.Tensor(np.array([3e-200, -4e-200]), requires_grad=True)
    y = tiny.norm()
    y.backward()
    np.testing.assert_allclose(y.item(), 5e-200, rtol=1e-15)
    np.testing.assert_allclose(tiny.grad.data, [0.6, -0.8], rtol=1e-15)


def test_matrix_norm_refuses_what_it_cannot_differentiate():
    x = tg.ones(3, 3)
    for ord_ in ("nuc", 2, -2):
        with pytest.raises(NotImplementedError, match=rf"matrix_norm: ord={ord_!r} needs"):
            tg.linalg.matrix_norm(x, ord_)
    with pytest.raises(NotImplementedError):
        x.norm("nuc")
    with pytest.raises(tg.ShapeError, match=r"2 or more dimensions, got shape \(3,\)"):
        tg.linalg.matrix_norm(tg.ones(3))
    with pytest.raises(ValueError, match="ord must be one of"):
        tg.linalg.matrix_norm(x, 3)


# ----------------------------------------------------------------------------- var_mean, dtype=
@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@BUDGET
@given(data=st.data(), keepdim=st.booleans(), correction=st.sampled_from([0, 1]))
def test_var_mean_std_mean(name, data, keepdim, correction):
    shape = data.draw(shapes(min_dims=1, min_side=2))
    axis = data.draw(axes(len(shape)))
    (x,) = data.draw(distinct_arrays(shape))
    fn = getattr(tg, name)
    spread = np.var if name == "var_mean" else np.std

    def both(t):
        out = fn(t, axis, correction=correction, keepdim=keepdim)
        assert isinstance(out, tuple) and len(out) == 2
        return tg.stack(list(out))

    check_op(both, [x], data, lambda a: np.stack([
        spread(a, axis=axis, ddof=correction, keepdims=keepdim),
        np.mean(a, axis=axis, keepdims=keepdim)]))


def test_sum_and_mean_dtype():
    x = tg.Tensor(np.array([1.5, 2.5], np.float32), requires_grad=True)
    y = x.sum(dtype=tg.float64)
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32
    assert x.mean(dtype=np.float64).dtype == np.float64
    i = tg.Tensor([1, 2, 4])
    assert i.sum().dtype == np.int64 and i.sum(dtype=tg.float32).dtype == np.float32
    assert i.mean(dtype=tg.float32).item() == pytest.approx(7 / 3)
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype\. Input "
                       r"dtype must be either a floating point or complex dtype\. Got: Long"):
        i.mean()
    with pytest.raises(TypeError, match="Got: Bool"):
        (i > 1).mean()
    assert x.prod(dtype=tg.float64).dtype == np.float64


F32_CASES = {
    "prod": lambda x: x.prod(1), "prod (zeros)": lambda x: (x * ZERO_MASK).prod(),
    "cumprod": lambda x: x.cumprod(1), "cumprod (zeros)": lambda x: (x * ZERO_MASK).cumprod(0),
    "cumsum": lambda x: x.cumsum(0), "amax": lambda x: x.amax(1), "amin": lambda x: x.amin(),
    "norm": lambda x: x.norm(), "norm(3, dim=1)": lambda x: x.norm(3, dim=1),
    "norm(inf)": lambda x: x.norm(math.inf),
    "matrix_norm(1)": lambda x: tg.linalg.matrix_norm(x, 1),
    "var_mean": lambda x: tg.stack(tg.var_mean(x, 1)),
}
ZERO_MASK = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]], np.float32)


@pytest.mark.parametrize("name", list(F32_CASES))
def test_reductions_keep_float32(name):
    check_float32(F32_CASES[name], [np.array([[0.5, 1.25, 2.0], [0.75, 1.5, 2.5]])])
