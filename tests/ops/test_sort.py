"""Order statistics with PyTorch's return types: max/min (of all entries, along a dim as
(values, indices), against a tensor), sort, argsort, topk, median, mode, kthvalue, and
argmax/argmin's PyTorch semantics.

Values are checked like every op (forward, J^T G, gradcheck, gradgradcheck) on distinct
values (the selection is then locally constant, so finite differences are exact); indices
are checked for values and dtype on inputs WITH ties, drawn from a few integers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

from .checks import check_op
from .strategies import distinct_arrays, shapes


@st.composite
def _dim_case(draw, min_side: int = 1):
    """(shape, dim) with dim in range (0-d shapes take 0 and -1)."""
    shape = draw(shapes(min_side=min_side))
    nd = max(len(shape), 1)
    return shape, draw(st.integers(-nd, nd - 1))


def _ties(shape):
    """Float arrays with many ties (values from {0, 1, 2})."""
    return hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, 2.0]))


def _np_dim(shape, dim):
    return dim % len(shape) if shape else None


def _keep(a, dim, keepdim):
    return a if keepdim or a.ndim == 0 else np.squeeze(a, dim)


def _np_order(a, d, descending):
    """The stable order PyTorch's stable sort gives (ties in input order)."""
    if d is None:
        return np.zeros((), np.int64)
    key = -a if descending else a
    return np.argsort(key, axis=d, kind="stable")


def _np_extreme(a, d, keepdim, arg):
    if d is None:
        return a, np.zeros((), np.int64)
    i = arg(a, axis=d, keepdims=True)
    return _keep(np.take_along_axis(a, i, d), d, keepdim), _keep(i, d, keepdim)


def _np_median(a, d, keepdim):
    if d is None:
        return a, np.zeros((), np.int64)
    i = np.take(_np_order(a, d, False), [(a.shape[d] - 1) // 2], axis=d)
    return _keep(np.take_along_axis(a, i, d), d, keepdim), _keep(i, d, keepdim)


def _np_mode(a, d, keepdim):
    """Most frequent value (smallest on ties) and its LAST position, by brute force."""
    if d is None:
        return a, np.zeros((), np.int64)
    moved = np.moveaxis(a, d, -1)
    vals, idx = np.empty(moved.shape[:-1]), np.empty(moved.shape[:-1], np.int64)
    for pos in np.ndindex(moved.shape[:-1]):
        row = moved[pos]
        u, c = np.unique(row, return_counts=True)
        v = u[np.argmax(c)]
        vals[pos], idx[pos] = v, np.flatnonzero(row == v)[-1]
    vals, idx = np.expand_dims(vals, -1), np.expand_dims(idx, -1)
    return _keep(np.moveaxis(vals, -1, d), d, keepdim), _keep(np.moveaxis(idx, -1, d), d,
                                                               keepdim)


def _np_kth(a, d, keepdim, k):
    if d is None:
        return a, np.zeros((), np.int64)
    i = np.take(_np_order(a, d, False), [k - 1], axis=d)
    return _keep(np.take_along_axis(a, i, d), d, keepdim), _keep(i, d, keepdim)


# name -> (op(x, dim, keepdim), reference(a, dim or None, keepdim) -> (values, indices), type)
SELECTIONS = {
    "max(dim)": (lambda x, d, k: tg.max(x, d, keepdim=k),
                 lambda a, d, k: _np_extreme(a, d, k, np.argmax), tg.return_types.max),
    "min(dim)": (lambda x, d, k: x.min(dim=d, keepdim=k),
                 lambda a, d, k: _np_extreme(a, d, k, np.argmin), tg.return_types.min),
    "median(dim)": (lambda x, d, k: x.median(d, keepdim=k), _np_median,
                    tg.return_types.median),
    "mode": (lambda x, d, k: tg.mode(x, d, k), _np_mode, tg.return_types.mode),
    "kthvalue": (lambda x, d, k: x.kthvalue(1 + (x.shape[d] - 1 if x.ndim else 0) // 2, d, k),
                 lambda a, d, k: _np_kth(a, d, k, 1 + (a.shape[d] - 1 if d is not None
                                                       else 0) // 2),
                 tg.return_types.kthvalue),
}


@pytest.mark.parametrize("name", list(SELECTIONS))
@given(data=st.data(), keepdim=st.booleans())
def test_selection_values(name, data, keepdim):
    """The values' gradient flows to the selected entry only (first- and second-order)."""
    fn, ref, _ = SELECTIONS[name]
    shape, dim = data.draw(_dim_case())
    (x,) = data.draw(distinct_arrays(shape))
    check_op(lambda t: fn(t, dim, keepdim).values, [x], data,
             lambda a: ref(a, _np_dim(shape, dim), keepdim)[0])


@pytest.mark.parametrize("name", list(SELECTIONS))
@given(data=st.data(), keepdim=st.booleans())
def test_selection_indices_with_ties(name, data, keepdim):
    fn, ref, kind = SELECTIONS[name]
    shape, dim = data.draw(_dim_case())
    x = data.draw(_ties(shape))
    out = fn(tg.Tensor(x, requires_grad=True), dim, keepdim)
    want_v, want_i = ref(x, _np_dim(shape, dim), keepdim)
    assert type(out) is kind and out.values is out[0] and out.indices is out[1]
    assert out.indices.dtype == np.int64 and not out.indices.requires_grad
    np.testing.assert_array_equal(out.indices.data, want_i)
    np.testing.assert_array_equal(out.values.data, want_v)


FULL = {"max()": (tg.max, np.max), "min()": (lambda t: t.min(), np.min),
        "median()": (tg.median, lambda a: np.sort(a, axis=None)[(a.size - 1) // 2])}


@pytest.mark.parametrize("name", list(FULL))
@given(data=st.data(), shape=shapes())
def test_full_reduction(name, data, shape):
    fn, ref = FULL[name]
    (x,) = data.draw(distinct_arrays(shape))
    y = check_op(fn, [x], data, ref)
    assert y.shape == ()


@pytest.mark.parametrize("fn, grad", [
    (lambda x: x.max(0).values, [1, 0, 0, 0]), (lambda x: x.max(), [0.5, 0, 0.5, 0]),
    (lambda x: x.median(0).values, [0, 0, 0, 1]), (lambda x: x.median(), [0, 0, 0, 1]),
    (lambda x: (-x).min(0).values, [-1, 0, 0, 0]),
], ids=["max(dim)", "max()", "median(dim)", "median()", "min(dim)"])
def test_dim_selects_one_entry_and_full_reductions_share_ties(fn, grad):
    """PyTorch: max(dim) sends the gradient to the index it returns; max() and median()
    over all entries share it among the tied entries."""
    x = tg.Tensor(np.array([3.0, 1.0, 3.0, 2.0]), requires_grad=True)
    fn(x).backward()
    np.testing.assert_array_equal(x.grad.data, grad)


def test_max_unpacks_as_pytorch_at_any_batch_size():
    """``_, predicted = tg.max(outputs, 1)`` is the positions, also at batch size 2 (where
    unpacking the old values-only result silently gave the second row's maxima)."""
    for batch in (1, 2, 5):
        outputs = tg.Tensor(np.random.default_rng(batch).normal(size=(batch, 4)))
        _, predicted = tg.max(outputs, 1)
        np.testing.assert_array_equal(predicted.data, outputs.data.argmax(1))
        assert predicted.dtype == np.int64


def test_max_with_a_tensor_is_maximum_and_other_forms_are_refused():
    a, b = tg.Tensor([1.0, 5.0]), tg.Tensor([3.0, 2.0])
    np.testing.assert_array_equal(tg.max(a, b).data, [3.0, 5.0])
    np.testing.assert_array_equal(a.min(b).data, [1.0, 2.0])
    with pytest.raises(TypeError, match="max: dim must be one int"):
        tg.max(tg.zeros(2, 3), (0, 1))
    with pytest.raises(TypeError, match="keepdim needs a dim"):
        tg.zeros(2, 3).max(keepdim=True)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                         r"of \[-2, 1\], but got 2\)"):
        tg.zeros(2, 3).max(2)
    with pytest.raises(IndexError, match="max\\(\\): Expected reduction dim 0 to have non-zero"):
        tg.zeros(0, 3).max(0)


def test_return_types_repr_and_fields():
    out = tg.Tensor([1.0, 3.0]).max(0)
    assert repr(out).startswith("tinygrad_edu.return_types.max(values=Tensor(3.")
    assert tg.return_types.aminmax._fields == ("min", "max")
    assert out._fields == ("values", "indices")


# ----------------------------------------------------------------------------- sorting
@given(data=st.data(), descending=st.booleans(), stable=st.booleans())
def test_sort_values(data, descending, stable):
    shape, dim = data.draw(_dim_case())
    (x,) = data.draw(distinct_arrays(shape))
    d = _np_dim(shape, dim)
    check_op(lambda t: t.sort(dim, descending=descending, stable=stable).values, [x], data,
             lambda a: np.take_along_axis(a, _np_order(a, d, descending), d)
             if d is not None else a)


@given(data=st.data(), descending=st.booleans())
def test_sort_and_argsort_indices_with_ties_are_stable(data, descending):
    shape, dim = data.draw(_dim_case(min_side=0))
    x = data.draw(_ties(shape))
    want = _np_order(x, _np_dim(shape, dim), descending)
    out = tg.sort(tg.Tensor(x), dim=dim, descending=descending, stable=True)
    assert type(out) is tg.return_types.sort and out.indices.dtype == np.int64
    np.testing.assert_array_equal(out.indices.data, want)
    idx = tg.argsort(tg.Tensor(x), dim, descending)
    assert idx.dtype == np.int64 and idx.shape == x.shape
    np.testing.assert_array_equal(idx.data, want)


def test_sort_puts_nan_last_ascending_and_first_descending():
    x = tg.Tensor([1.0, np.nan, 2.0])
    np.testing.assert_array_equal(x.sort().indices.data, [0, 2, 1])
    np.testing.assert_array_equal(x.sort(descending=True).indices.data, [1, 2, 0])


@given(data=st.data(), largest=st.booleans(), sorted_=st.booleans())
def test_topk_values(data, largest, sorted_):
    shape, dim = data.draw(_dim_case())
    (x,) = data.draw(distinct_arrays(shape))
    d = _np_dim(shape, dim)
    k = data.draw(st.integers(0 if shape else 1, shape[d] if shape else 1))
    if k == 0:  # nothing selected: nothing to differentiate, only the shapes
        out = tg.topk(tg.Tensor(x), 0, dim)
        assert out.values.shape[d] == 0 and out.indices.dtype == np.int64
        return

    def ref(a):
        if d is None:
            return a
        return np.take(np.take_along_axis(a, _np_order(a, d, largest), d), range(k), axis=d)
    check_op(lambda t: t.topk(k, dim, largest=largest, sorted=sorted_).values, [x], data, ref)


@given(data=st.data(), largest=st.booleans())
def test_topk_indices_with_ties(data, largest):
    shape, dim = data.draw(_dim_case())
    x = data.draw(_ties(shape))
    d = _np_dim(shape, dim)
    k = data.draw(st.integers(0, shape[d] if shape else 1))
    out = tg.Tensor(x).topk(k, dim, largest)
    assert type(out) is tg.return_types.topk and out.indices.dtype == np.int64
    want = _np_order(x, d, largest) if d is not None else np.zeros((), np.int64)
    np.testing.assert_array_equal(out.indices.data,
                                  np.take(want, range(k), axis=d) if d is not None else want)
    with pytest.raises(RuntimeError, match="topk: selected index k"):
        tg.Tensor(x).topk((shape[d] if shape else 1) + 1, dim)


# ----------------------------------------------------------------------------- argmax
ARGS = {"argmax": (tg.argmax, np.argmax), "argmin": (lambda t, **kw: t.argmin(**kw), np.argmin)}


@pytest.mark.parametrize("name", list(ARGS))
@given(data=st.data(), keepdim=st.booleans())
def test_argmax_argmin_as_pytorch(name, data, keepdim):
    """Without dim: the index into the flattened tensor (keepdim: all dims kept as 1);
    ties: the first position."""
    fn, ref = ARGS[name]
    shape = data.draw(shapes())
    dim = data.draw(st.none() | st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    x = data.draw(_ties(shape))
    out = fn(tg.Tensor(x), dim=dim, keepdim=keepdim)
    d = None if dim is None or not shape else dim
    assert out.dtype == np.int64 and out.grad_fn is None
    np.testing.assert_array_equal(out.data, ref(x, axis=d, keepdims=keepdim))


@given(data=st.data(), keepdim=st.booleans(), with_dim=st.booleans())
def test_aminmax(data, keepdim, with_dim):
    """(min, max) named tuple; both parts go through check_op."""
    shape, dim = data.draw(_dim_case())
    (x,) = data.draw(distinct_arrays(shape))
    d = _np_dim(shape, dim) if with_dim else None
    kw = dict(dim=dim, keepdim=keepdim) if with_dim else {}
    out = tg.aminmax(tg.Tensor(x), **kw)
    assert type(out) is tg.return_types.aminmax and out.min is out[0] and out.max is out[1]
    for field, ref in (("min", np.min), ("max", np.max)):
        check_op(lambda t, f=field: getattr(t.aminmax(**kw), f), [x], data,
                 lambda a, r=ref: r(a, axis=d, keepdims=keepdim and with_dim))


def test_mode_is_the_longest_run_at_its_last_position():
    values, indices = tg.Tensor([1, 3, 2, 3, 2, 3]).mode()       # PyTorch: (3, 5)
    assert values.item() == 3 and indices.item() == 5
