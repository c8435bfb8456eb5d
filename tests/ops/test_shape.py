"""Ops that move data: reshape/view, permute/transpose/swapaxes/T/mT, broadcast_to/expand,
squeeze/unsqueeze/flatten, indexing (basic, integer arrays with repeats, boolean masks),
cat/concatenate/stack, and astype/float/clone."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

from .checks import check_op
from .strategies import DYADIC, arrays, bool_masks, repeated_int_indices, shapes


def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def _new_shape(draw, size: int):
    """A random shape with ``size`` elements (size-1 axes sprinkled in, maybe one -1)."""
    factors = draw(st.permutations(_prime_factors(size) + [1] * draw(st.integers(0, 2))))
    parts, cur = [], 1
    for f in factors:  # group consecutive factors into axes
        cur *= f
        if draw(st.booleans()):
            parts.append(cur)
            cur = 1
    if cur != 1 or (not parts and size != 1):
        parts.append(cur)
    if parts and draw(st.booleans()):
        parts[draw(st.integers(0, len(parts) - 1))] = -1
    return tuple(parts)


def _squeeze_ref(a, axis):
    if axis is None:
        return np.squeeze(a)
    ax = tuple(i % a.ndim for i in (axis if isinstance(axis, tuple) else (axis,)))
    return np.squeeze(a, axis=tuple(i for i in ax if a.shape[i] == 1))


@st.composite
def _view_case(draw, name: str):
    """(input shape, op on a Tensor, NumPy reference) for one view-like op."""
    shape = draw(shapes())
    nd = len(shape)
    if name in ("reshape", "x.reshape", "x.view"):
        new = draw(_new_shape(int(np.prod(shape))))
        fn = {"reshape": lambda t: tg.reshape(t, new), "x.reshape": lambda t: t.reshape(*new),
              "x.view": lambda t: t.view(new)}[name]
        return shape, fn, lambda a: a.reshape(new)
    if name in ("permute", "transpose"):
        perm = tuple(p - draw(st.sampled_from([0, nd])) for p in draw(st.permutations(range(nd))))
        if name == "permute":
            return shape, lambda t: t.permute(*perm), lambda a: np.transpose(a, perm)
        return shape, lambda t: tg.transpose(t, perm), lambda a: np.transpose(a, perm)
    if name == "x.transpose()":
        return shape, lambda t: t.transpose(), np.transpose
    if name in ("swapaxes", "x.transpose(i, j)"):
        shape = draw(shapes(min_dims=1))
        i, j = (draw(st.integers(-len(shape), len(shape) - 1)) for _ in range(2))
        fn = tg.swapaxes if name == "swapaxes" else tg.Tensor.transpose
        return shape, lambda t: fn(t, i, j), lambda a: np.swapaxes(a, i, j)
    if name == "x.T":
        return shape, lambda t: t.T, lambda a: a.T
    if name == "x.mT":
        shape = draw(shapes(min_dims=2))
        return shape, lambda t: t.mT, lambda a: np.swapaxes(a, -1, -2)
    if name in ("broadcast_to", "expand"):
        target = draw(shapes())
        k = draw(st.integers(0, len(target)))
        keep = [draw(st.booleans()) for _ in range(k)]
        shape = tuple(n if kept else 1 for n, kept in zip(target[len(target) - k:], keep))
        if name == "broadcast_to":
            return shape, lambda t: t.broadcast_to(target), lambda a: np.broadcast_to(a, target)
        lead = len(target) - k
        sizes = tuple(-1 if i >= lead and keep[i - lead] and draw(st.booleans()) else n
                      for i, n in enumerate(target))
        return shape, lambda t: t.expand(*sizes), lambda a: np.broadcast_to(a, target)
    if name == "squeeze":
        shape = draw(shapes(max_side=2))
        nd = len(shape)
        axis = draw(st.none() if not nd else st.none() | st.integers(-nd, nd - 1) | st.lists(
            st.integers(-nd, nd - 1), min_size=1, max_size=nd,
            unique_by=lambda a: a % nd).map(tuple))
        return shape, lambda t: t.squeeze(axis), lambda a: _squeeze_ref(a, axis)
    if name == "unsqueeze":
        axis = draw(st.integers(-nd - 1, nd))
        return shape, lambda t: t.unsqueeze(dim=axis), lambda a: np.expand_dims(a, axis)
    assert name == "flatten"
    if nd == 0:
        return shape, tg.flatten, lambda a: a.reshape(1)
    s, e = sorted((draw(st.integers(0, nd - 1)), draw(st.integers(0, nd - 1))))
    s, e = s - draw(st.sampled_from([0, nd])), e - draw(st.sampled_from([0, nd]))
    return shape, lambda t: t.flatten(s, e), \
        lambda a: a.reshape(*a.shape[:s % nd], -1, *a.shape[e % nd + 1:])


VIEWS = ["reshape", "x.reshape", "x.view", "permute", "transpose", "x.transpose()",
         "swapaxes", "x.transpose(i, j)", "x.T", "x.mT", "broadcast_to", "expand", "squeeze",
         "unsqueeze", "flatten"]


@pytest.mark.parametrize("name", VIEWS)
@given(data=st.data())
def test_view(name, data):
    shape, fn, ref = data.draw(_view_case(name))
    check_op(fn, [data.draw(arrays(shape))], data, ref)


# ----------------------------------------------------------------------------- indexing
INDEXES = {
    "basic": lambda shape: hnp.basic_indices(shape, min_dims=0, allow_newaxis=True),
    "int arrays (repeated)": lambda shape: repeated_int_indices(shape),
    "bool mask": bool_masks,
}


@pytest.mark.parametrize("kind", list(INDEXES))
@given(data=st.data(), form=st.sampled_from(["x[i]", "getitem", "x[Tensor(i)]"]))
def test_getitem(kind, data, form):
    """Repeated integer indices must ACCUMULATE their gradients (J^T G checks that)."""
    shape = data.draw(shapes(min_dims=0 if kind != "int arrays (repeated)" else 1))
    index = data.draw(INDEXES[kind](shape))
    if form == "x[Tensor(i)]" and isinstance(index, np.ndarray):
        fn = lambda t: t[tg.Tensor(index)]  # noqa: E731
    else:
        fn = (lambda t: tg.ops.getitem(t, index)) if form == "getitem" else \
            (lambda t: operator.getitem(t, index))
    np_index = np.asarray(index) if isinstance(index, list) else index
    check_op(fn, [data.draw(arrays(shape))], data, lambda a: a[np_index])


# ----------------------------------------------------------------------------- joining
@st.composite
def _join_case(draw, name: str):
    """(list of input shapes, axis) for cat (lengths differ along axis) or stack (equal)."""
    count = draw(st.integers(1, 3))
    if name == "stack":
        shape = draw(shapes(max_side=2))
        return [shape] * count, draw(st.integers(-len(shape) - 1, len(shape)))
    shape = draw(shapes(min_dims=1, max_side=2))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    lengths = [draw(st.integers(1, 3)) for _ in range(count)]
    return [tuple(n if i != axis % len(shape) else k for i, n in enumerate(shape))
            for k in lengths], axis


JOINS = {
    "cat": (lambda xs, ax: tg.cat(xs, axis=ax), np.concatenate),
    "concatenate": (lambda xs, ax: tg.concatenate(xs, dim=ax), np.concatenate),
    "stack": (lambda xs, ax: tg.stack(xs, dim=ax), np.stack),
}


@pytest.mark.parametrize("name", list(JOINS))
@given(data=st.data())
def test_join(name, data):
    fn, ref = JOINS[name]
    in_shapes, axis = data.draw(_join_case("stack" if name == "stack" else "cat"))
    inputs = [data.draw(arrays(s)) for s in in_shapes]
    check_op(lambda *ts: fn(ts, axis), inputs, data, lambda *a: ref(a, axis=axis))


# ----------------------------------------------------------------------------- casts
CASTS = {
    "astype": lambda t: t.astype("float32"),
    "x.float()": lambda t: t.float(),
    "astype->float64": lambda t: tg.astype(t.astype(np.float32), np.float64),
    "clone": lambda t: t.clone(),
}


@pytest.mark.parametrize("name", list(CASTS))
@given(data=st.data(), shape=shapes())
def test_cast(name, data, shape):
    """float64 -> float32: dyadic values and a 2^-8 step are exact in float32, so finite
    differences stay exact (round-off, not the op, would otherwise dominate)."""
    same = lambda a: a  # noqa: E731
    ref = {"astype->float64": same, "clone": same}.get(name, lambda a: a.astype(np.float32))
    check_op(CASTS[name], [data.draw(arrays(shape, DYADIC))], data, ref, eps=2.0 ** -8)


def test_clone_owns_its_memory():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    y = x.clone()
    y.data[0] = 5.0
    assert x.data[0] == 1.0 and y.grad_fn is not None


def test_cast_to_same_dtype_is_the_tensor_itself():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    assert x.astype(np.float64) is x and x.double() is x
