"""Indexing along a dim (gather, scatter, scatter_add, index_select, masked_fill,
masked_select, take_along_dim, nonzero) and PyTorch's layout for ``x[int, :, idx]``.

Differentiable ones go through `check_op` (forward, J^T G, first and second order);
index outputs are checked for values and int64 dtype; bad arguments for PyTorch's errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

from .checks import check_op
from .strategies import arrays, shapes


@st.composite
def _along_case(draw, unique: bool = False):
    """(x shape, dim, index) for gather/scatter: index no larger than x apart from dim;
    with ``unique`` no position is written twice (index values distinct along dim)."""
    shape = draw(shapes(min_dims=1))
    nd = len(shape)
    dim = draw(st.integers(-nd, nd - 1))
    d = dim % nd
    ishape = tuple(draw(st.integers(1, n if (i != d or unique) else 3))
                   for i, n in enumerate(shape))
    if unique:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        full = tuple(shape[d] if i == d else n for i, n in enumerate(ishape))
        perm = np.argsort(rng.random(full), axis=d)
        index = np.take(perm, range(ishape[d]), axis=d)
    else:
        index = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[d] - 1)))
    return shape, dim, index


def _np_gather(a, d, index):
    out = np.empty(index.shape, a.dtype)
    for pos in np.ndindex(index.shape):
        src = list(pos)
        src[d] = index[pos]
        out[pos] = a[tuple(src)]
    return out


def _np_scatter(a, d, index, src, add):
    out = a.copy()
    for pos in np.ndindex(index.shape):
        dst = list(pos)
        dst[d] = index[pos]
        v = src[pos] if isinstance(src, np.ndarray) else src
        out[tuple(dst)] = out[tuple(dst)] + v if add else v
    return out


@given(data=st.data())
def test_gather(data):
    shape, dim, index = data.draw(_along_case())
    check_op(lambda t: t.gather(dim, tg.Tensor(index)), [data.draw(arrays(shape))], data,
             lambda a: _np_gather(a, dim % len(shape), index))


@given(data=st.data(), bigger_src=st.booleans())
def test_scatter(data, bigger_src):
    """Positions are written once (PyTorch leaves repeated writes unspecified); src may
    be larger than index (only its leading block is used, the rest gets gradient 0)."""
    shape, dim, index = data.draw(_along_case(unique=True))
    sshape = tuple(n + bigger_src for n in index.shape)
    x, src = data.draw(arrays(shape)), data.draw(arrays(sshape))
    d = dim % len(shape)
    head = tuple(slice(0, n) for n in index.shape)
    check_op(lambda t, s: tg.scatter(t, dim, index, s), [x, src], data,
             lambda a, s: _np_scatter(a, d, index, s[head], add=False))


@given(data=st.data())
def test_scatter_value(data):
    shape, dim, index = data.draw(_along_case())
    check_op(lambda t: t.scatter(dim, tg.Tensor(index), value=2.5), [data.draw(arrays(shape))],
             data, lambda a: _np_scatter(a, dim % len(shape), index, 2.5, add=False))


@pytest.mark.parametrize("form", ["scatter_add", "scatter(reduce='add')"])
@given(data=st.data())
def test_scatter_add(form, data):
    """Repeated positions ACCUMULATE (J^T G checks it)."""
    shape, dim, index = data.draw(_along_case())
    x, src = data.draw(arrays(shape)), data.draw(arrays(index.shape))
    fn = (lambda t, s: t.scatter_add(dim, index, s)) if form == "scatter_add" else \
        (lambda t, s: t.scatter(dim, index, s, reduce="add"))
    check_op(fn, [x, src], data, lambda a, s: _np_scatter(a, dim % len(shape), index, s, True))


def test_scatter_multiply_is_forward_only():
    x = tg.Tensor(np.full((2, 2), 2.0))
    out = x.scatter(0, tg.Tensor([[1, 0]]), tg.Tensor([[3.0, 5.0]]), reduce="multiply")
    np.testing.assert_array_equal(out.data, [[2.0, 10.0], [6.0, 2.0]])
    with pytest.raises(RuntimeError, match="not differentiable"):
        x.double().requires_grad_().scatter(0, tg.Tensor([[1, 0]]), 1.0, reduce="multiply")
    with pytest.raises(ValueError, match="reduce argument must be either add or multiply"):
        x.scatter(0, tg.Tensor([[1, 0]]), 1.0, reduce="mean")


@given(data=st.data(), zero_d_index=st.booleans())
def test_index_select(data, zero_d_index):
    shape = data.draw(shapes(min_dims=1))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    index = data.draw(hnp.arrays(np.int64, () if zero_d_index else data.draw(
        st.integers(1, 4)), elements=st.integers(0, n - 1)))
    check_op(lambda t: tg.index_select(t, dim, tg.Tensor(index)), [data.draw(arrays(shape))],
             data, lambda a: np.take(a, index.reshape(-1), axis=dim))


@st.composite
def _mask_case(draw):
    """(x shape, mask) with mask broadcasting against x (either may be the larger)."""
    shape = draw(shapes())
    k = draw(st.integers(0, len(shape)))
    mshape = tuple(draw(st.sampled_from([1, n])) for n in shape[len(shape) - k:])
    if draw(st.booleans()):
        mshape = (draw(st.integers(1, 2)), *mshape) if len(mshape) == len(shape) else mshape
    return shape, draw(hnp.arrays(np.bool_, mshape))


@pytest.mark.parametrize("value", ["number", "0-d tensor"])
@given(data=st.data())
def test_masked_fill(value, data):
    shape, mask = data.draw(_mask_case())
    x = data.draw(arrays(shape))
    want = lambda a, *v: np.where(mask, v[0] if v else -1.5, a)  # noqa: E731
    if value == "number":
        check_op(lambda t: t.masked_fill(tg.Tensor(mask), -1.5), [x], data, want)
    else:
        check_op(lambda t, v: tg.masked_fill(t, mask, v), [x, np.array(0.75)], data, want)


@given(data=st.data())
def test_masked_select(data):
    shape, mask = data.draw(_mask_case())
    check_op(lambda t: t.masked_select(mask), [data.draw(arrays(shape))], data,
             lambda a: np.broadcast_arrays(a, mask)[0][np.broadcast_arrays(a, mask)[1]])


def test_masks_must_be_boolean():
    with pytest.raises(tg.DTypeError, match="masked_fill: only supports boolean masks, but "
                                            "got mask with dtype float"):
        tg.zeros(2, 3).masked_fill(tg.zeros(2, 3), 1.0)
    with pytest.raises(TypeError, match="boolean masks"):
        tg.zeros(2).masked_select(tg.Tensor([1, 0]))


@pytest.mark.parametrize("form", ["dim", "flattened"])
@given(data=st.data())
def test_take_along_dim(form, data):
    shape = data.draw(shapes(min_dims=1))
    x = data.draw(arrays(shape))
    if form == "flattened":
        index = data.draw(hnp.arrays(np.int64, data.draw(shapes(min_dims=1)),
                                     elements=st.integers(0, x.size - 1)))
        check_op(lambda t: tg.take_along_dim(t, index), [x], data,
                 lambda a: np.take_along_axis(a.reshape(-1), index.reshape(-1), 0))
        return
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    # broadcasting in the other dims, both ways
    ishape = tuple(data.draw(st.integers(1, 3)) if i == dim % len(shape)
                   else data.draw(st.sampled_from([1, n])) for i, n in enumerate(shape))
    index = data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[dim] - 1)))
    check_op(lambda t: t.take_along_dim(tg.Tensor(index), dim), [x], data,
             lambda a: np.take_along_axis(a, index, dim))


@given(x=hnp.arrays(np.float64, shapes(min_side=0), elements=st.sampled_from([0.0, 1.5])))
def test_nonzero(x):
    out = tg.nonzero(tg.Tensor(x))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, np.argwhere(x))
    parts = tg.Tensor(x).nonzero(as_tuple=True)
    assert isinstance(parts, tuple) and all(p.dtype == np.int64 for p in parts)
    for p, want in zip(parts, np.nonzero(np.atleast_1d(x)), strict=True):
        np.testing.assert_array_equal(p.data, want)


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.zeros(3).gather(0, tg.Tensor([-1])), IndexError,
     "index -1 is out of bounds for dimension 0 with size 3"),
    (lambda: tg.zeros(3).gather(0, tg.Tensor([3])), IndexError, "index 3 is out of bounds"),
    (lambda: tg.zeros(2, 3).gather(1, tg.Tensor(np.zeros((3, 1), np.int64))), tg.ShapeError,
     r"expected index \[3, 1\] to be no larger than self \[2, 3\] apart from dimension 1"),
    (lambda: tg.zeros(2, 3).gather(1, tg.Tensor([0])), tg.ShapeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda: tg.zeros(2, 3).gather(1, tg.Tensor([[0.0]])), tg.DTypeError, "integer index"),
    (lambda: tg.zeros(2, 3).gather(2, tg.Tensor([[0]])), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda: tg.zeros(3).index_select(0, tg.Tensor([-1])), IndexError, "out of bounds"),
    (lambda: tg.zeros(3).index_select(0, tg.Tensor([[0]])), tg.ShapeError,
     "index should have 0 or 1 dimensions"),
    (lambda: tg.zeros(2, 2).scatter(0, tg.Tensor([[0, 1]]), tg.zeros(1, 1)), tg.ShapeError,
     "no larger than src"),
], ids=["negative", "too large", "index larger", "index ndim", "float index", "dim",
        "index_select negative", "index_select 2-d", "src smaller"])
def test_index_errors_as_pytorch(call, kind, message):
    """PyTorch refuses negative positions in gather/index_select (NumPy would wrap them)."""
    with pytest.raises(kind, match=message):
        call()


# ----------------------------------------------------------------------------- x[...]
X = np.arange(30.0).reshape(2, 3, 5)


@pytest.mark.parametrize("index, ref, shape", [
    ((1, slice(None), [0, 2]), lambda a: a[1][:, [0, 2]], (3, 2)),   # NumPy: (2, 3)
    ((1, slice(None), np.array([[0, 2, 4]])), lambda a: a[1][:, [[0, 2, 4]]], (3, 1, 3)),
    ((slice(None), 1, [0, 2]), lambda a: a[:, 1][:, [0, 2]], (2, 2)),
    (([0, 1], slice(None), 1), lambda a: a[:, :, 1][[0, 1], :], (2, 3)),
    ((None, 1, slice(None), [0, 2]), lambda a: a[None, 1][:, :, [0, 2]], (1, 3, 2)),
    ((1, None, slice(None), [0, 2]), lambda a: a[1, None][:, :, [0, 2]], (1, 3, 2)),
    ((Ellipsis, 1, [0, 2]), lambda a: a[:, 1][:, [0, 2]], (2, 2)),
    ((1, Ellipsis, [0, 2]), lambda a: a[1][:, [0, 2]], (3, 2)),
    ((1, np.array([True, False, True]), 2), lambda a: a[1, :, 2][[True, False, True]], (2,)),
    ((1, slice(0, 2), [[0], [4]]), lambda a: a[1, 0:2][:, [[0], [4]]], (2, 2, 1)),
    ((tg.Tensor(1), slice(None), [0, 2]), lambda a: a[1][:, [0, 2]], (3, 2)),
], ids=["1,:,idx", "1,:,idx2d", ":,1,idx", "idx,:,1", "None,1,:,idx", "1,None,:,idx",
        "...,1,idx", "1,...,idx", "1,mask,2", "1,0:2,idx2d", "Tensor(1),:,idx"])
def test_integers_index_first_as_pytorch(index, ref, shape):
    """PyTorch treats an integer (or a 0-d integer tensor) as a basic index, a select that
    takes no part in the advanced-index placement: ``x[1, :, idx]`` is ``x[1][:, idx]``
    (NumPy moves idx's dim to the front).  Shapes as torch 2.13 gives them."""
    x = tg.Tensor(X, requires_grad=True)
    y = x[index]
    assert y.shape == shape
    np.testing.assert_array_equal(y.data, ref(X))
    y.sum().backward()  # every selected entry once: the gradient counts them
    assert x.grad.data.sum() == y.data.size and set(np.unique(x.grad.data)) <= {0.0, 1.0}


@given(data=st.data())
def test_getitem_with_ints_and_arrays_gradients(data):
    shape = data.draw(shapes(min_dims=3))
    i = data.draw(st.integers(-shape[0], shape[0] - 1))
    idx = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 3)),
                               elements=st.integers(-shape[2], shape[2] - 1)))
    check_op(lambda t: t[i, :, idx], [data.draw(arrays(shape))], data,
             lambda a: a[i][:, idx])


@st.composite
def _slices_case(draw, unique: bool):
    """(x shape, dim, index, source shape) for index_add / index_copy."""
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    if unique:
        index = np.array(draw(st.permutations(range(n)))[:draw(st.integers(1, n))])
    else:
        index = draw(hnp.arrays(np.int64, draw(st.integers(1, 3)), elements=st.integers(0, n - 1)))
    d = dim % len(shape)
    return shape, dim, index, (*shape[:d], index.size, *shape[d + 1:])


@given(data=st.data(), alpha=st.sampled_from([1, -0.5]))
def test_index_add(data, alpha):
    """Repeated indices accumulate."""
    shape, dim, index, sshape = data.draw(_slices_case(unique=False))

    def ref(a, s):
        out = np.moveaxis(a.copy(), dim, 0)
        np.add.at(out, index, alpha * np.moveaxis(s, dim, 0))
        return np.moveaxis(out, 0, dim)
    check_op(lambda t, s: t.index_add(dim, tg.Tensor(index), s, alpha=alpha),
             [data.draw(arrays(shape)), data.draw(arrays(sshape))], data, ref)


@given(data=st.data())
def test_index_copy(data):
    shape, dim, index, sshape = data.draw(_slices_case(unique=True))

    def ref(a, s):
        out = np.moveaxis(a.copy(), dim, 0)
        out[index] = np.moveaxis(s, dim, 0)
        return np.moveaxis(out, 0, dim)
    check_op(lambda t, s: tg.index_copy(t, dim, index, s),
             [data.draw(arrays(shape)), data.draw(arrays(sshape))], data, ref)


def test_index_copy_overwrites_nan_and_repeated_index_keeps_one_value():
    x = tg.Tensor([np.nan, 1.0, 2.0])
    out = x.index_copy(0, tg.Tensor([0, 0]), tg.Tensor([5.0, 6.0]))
    assert out.data[0] in (5.0, 6.0) and out.data[1:].tolist() == [1.0, 2.0]
    with pytest.raises(tg.ShapeError, match=r"source of shape \(3,\) should have shape \(2,\)"):
        x.index_add(0, tg.Tensor([0, 1]), tg.zeros(3))


def test_take_along_dim_broadcasts_the_input_and_sums_its_gradient_back():
    x = tg.Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)      # (1, 3) against (2, 1)
    y = tg.take_along_dim(x, tg.Tensor(np.array([[0], [2]])), 1)
    np.testing.assert_array_equal(y.data, [[1.0], [3.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0, 1.0]])


def test_masked_fill_casts_a_number_to_the_dtype_and_refuses_other_values():
    x, mask = tg.Tensor(np.array([1, 2, 3])), tg.Tensor(np.array([True, False, True]))
    out = x.masked_fill(mask, 2.7)                                     # PyTorch truncates too
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, [2, 2, 2])
    with pytest.raises(TypeError, match="masked_fill: value must be a number or a 0-d "
                                        "tensor, got str"):
        x.masked_fill(mask, "a")


def test_index_add_scales_the_source_by_alpha():
    x, src = tg.zeros(3, requires_grad=True), tg.Tensor([1.0, 2.0], requires_grad=True)
    out = x.index_add(0, tg.Tensor([0, 2]), src, alpha=2)
    np.testing.assert_array_equal(out.data, [2.0, 0.0, 4.0])
    out.sum().backward()
    np.testing.assert_array_equal(src.grad.data, [2.0, 2.0])
