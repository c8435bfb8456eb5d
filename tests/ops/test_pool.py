"""Pooling (max_pool2d, avg_pool2d, adaptive_avg_pool2d) and pad on drawn geometries:
kernels, strides, paddings, dilations, ceil_mode, unbatched inputs.

Each goes through `check_op` (forward against a loop-over-windows NumPy reference, J^T G,
first and second order against finite differences, float64).  Max pooling draws distinct
values (no ties: the gradient of a tie is a convention, checked in tests/parity); the
argmax indices are checked against the reference too.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.errors import DTypeError, ShapeError

from .checks import check_op
from .strategies import arrays, distinct_arrays

POOL_EXAMPLES = 40  # each example is a few Jacobians of up to ~40 inputs


@st.composite
def geometries(draw, dilation: bool = True):
    """(input shape, kernel, stride, padding, dilation, ceil_mode): per axis a kernel of
    1-3, stride 1-3, padding up to kernel // 2, and an input length that gives >= 1 output;
    batched (N, C, H, W) or unbatched (C, H, W)."""
    k, s, p, d, size = [], [], [], [], []
    for _ in range(2):
        k.append(draw(st.integers(1, 3)))
        s.append(draw(st.integers(1, 3)))
        p.append(draw(st.integers(0, k[-1] // 2)))
        d.append(draw(st.integers(1, 2)) if dilation else 1)
        low = max(1, d[-1] * (k[-1] - 1) + 1 - 2 * p[-1])
        size.append(draw(st.integers(low, low + 3)))
    lead = draw(st.sampled_from([(1, 1), (2, 1), (1, 2), (2,)]))
    return lead + tuple(size), tuple(k), tuple(s), tuple(p), tuple(d), draw(st.booleans())


def _out_len(n, k, s, p, d, ceil):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    return out - 1 if ceil and (out - 1) * s >= n + p else out


def _windows(shape, k, s, p, d, ceil):
    """For each output (i, j): the in-range input positions of its window, and the number
    of positions inside the padded input."""
    out = [_out_len(shape[-2 + a], k[a], s[a], p[a], d[a], ceil) for a in range(2)]
    for i in range(out[0]):
        for j in range(out[1]):
            rows = [i * s[0] - p[0] + a * d[0] for a in range(k[0])]
            cols = [j * s[1] - p[1] + b * d[1] for b in range(k[1])]
            padded = [len([r for r in rows if r < shape[-2] + p[0]]),
                      len([c for c in cols if c < shape[-1] + p[1]])]
            rows = [r for r in rows if 0 <= r < shape[-2]]
            cols = [c for c in cols if 0 <= c < shape[-1]]
            yield (i, j), out, rows, cols, padded[0] * padded[1]


def _ref_max(x, k, s, p, d, ceil):
    res = idx = None
    for (i, j), out, rows, cols, _ in _windows(x.shape, k, s, p, d, ceil):
        if res is None:
            res = np.empty(x.shape[:-2] + tuple(out))
            idx = np.empty(x.shape[:-2] + tuple(out), np.int64)
        if not rows or not cols:  # padding only: -inf at PyTorch's first position
            first = [n * s[a] - p[a] for a, n in enumerate((i, j))]
            first = [f + (-f + d[a] - 1) // d[a] * d[a] if f < 0 else f
                     for a, f in enumerate(first)]
            res[..., i, j], idx[..., i, j] = -np.inf, first[0] * x.shape[-1] + first[1]
            continue
        block = x[..., rows, :][..., cols].reshape((*x.shape[:-2], -1))
        best = block.argmax(-1)
        res[..., i, j] = block.max(-1)
        idx[..., i, j] = np.array(rows)[best // len(cols)] * x.shape[-1] + \
            np.array(cols)[best % len(cols)]
    return res, idx


def _ref_avg(x, k, s, p, ceil, count_include_pad, divisor_override):
    res = None
    for (i, j), out, rows, cols, padded in _windows(x.shape, k, s, p, (1, 1), ceil):
        if res is None:
            res = np.empty(x.shape[:-2] + tuple(out))
        total = x[..., rows, :][..., cols].sum(axis=(-2, -1))
        div = divisor_override or (padded if count_include_pad else len(rows) * len(cols))
        res[..., i, j] = total / div
    return res


@settings(max_examples=POOL_EXAMPLES)
@given(data=st.data(), geometry=geometries())
def test_max_pool2d(data, geometry):
    shape, k, s, p, d, ceil = geometry
    (x,) = data.draw(distinct_arrays(shape))
    want, want_idx = _ref_max(x, k, s, p, d, ceil)
    # windows of padding only are -inf, constant: finite differences of them are NaN, so
    # they are checked as 0 here (their own test shows they send no gradient)
    inside = tg.Tensor(~np.isneginf(want))
    check_op(lambda t: tg.where(inside, F.max_pool2d(t, k, s, p, d, ceil), 0.0), [x], data,
             lambda a: np.where(inside.data, want, 0.0))
    _, idx = F.max_pool2d(tg.Tensor(x), k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(idx.data, want_idx)


def test_max_pool2d_windows_of_padding_and_of_minus_inf():
    """A window of padding only (dilation steps over the input) is -inf and sends no
    gradient; a window whose entries are all -inf points at its first entry (PyTorch).
    Both used to scatter their gradient to index -1, the input's last entry."""
    x = tg.Tensor(np.array([[[[0.5]]]]), requires_grad=True)
    out, idx = F.max_pool2d(x, (2, 1), 1, (1, 0), (2, 1), return_indices=True)
    out.sum().backward()
    assert out.item() == -np.inf and idx.item() == 1 and x.grad.item() == 0.0
    x = tg.Tensor(np.array([[[[-np.inf, 2.0], [-np.inf, -np.inf]]]]), requires_grad=True)
    out, idx = F.max_pool2d(x, 2, 1, 1, return_indices=True)
    out.sum().backward()
    np.testing.assert_array_equal(idx.data[0, 0], [[0, 1, 1], [0, 1, 1], [2, 2, 3]])
    np.testing.assert_array_equal(x.grad.data[0, 0], [[2.0, 4.0], [2.0, 1.0]])


@settings(max_examples=POOL_EXAMPLES)
@given(data=st.data(), geometry=geometries(dilation=False), count_include_pad=st.booleans(),
       divisor_override=st.sampled_from([None, None, 2, 5]))
def test_avg_pool2d(data, geometry, count_include_pad, divisor_override):
    shape, k, s, p, _, ceil = geometry
    x = data.draw(arrays(shape))
    check_op(lambda t: F.avg_pool2d(t, k, s, p, ceil, count_include_pad, divisor_override),
             [x], data, lambda a: _ref_avg(a, k, s, p, ceil, count_include_pad,
                                           divisor_override))


def _ref_adaptive(x, size):
    out = np.empty(x.shape[:-2] + size)
    h, w = x.shape[-2:]
    for i in range(size[0]):
        for j in range(size[1]):
            r0, r1 = (i * h) // size[0], -(-((i + 1) * h) // size[0])
            c0, c1 = (j * w) // size[1], -(-((j + 1) * w) // size[1])
            out[..., i, j] = x[..., r0:r1, c0:c1].mean(axis=(-2, -1))
    return out


@settings(max_examples=POOL_EXAMPLES)
@given(data=st.data(), lead=st.sampled_from([(1, 1), (2, 1), (2,)]),
       size=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       out=st.tuples(st.integers(1, 4), st.integers(1, 4)))
def test_adaptive_avg_pool2d(data, lead, size, out):
    x = data.draw(arrays(lead + size))
    check_op(lambda t: F.adaptive_avg_pool2d(t, out), [x], data,
             lambda a: _ref_adaptive(a, out))


_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}


@st.composite
def pad_cases(draw, mode):
    """(shape, pad tuple) for ``mode``: constant pads any of the last 1-3 dims (negative pads
    crop); the others pad 1-2 dims of a tensor with one or two more, within their limits."""
    count = draw(st.integers(1, 3 if mode == "constant" else 2))
    ndim = draw(st.integers(count, 4) if mode == "constant" else
                st.sampled_from([count + 1, count + 2]))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(ndim - count)) + tuple(
        draw(st.integers(2, 4)) for _ in range(count))
    pads = []
    for n in reversed(shape[ndim - count:]):
        if mode == "constant":
            pads += [draw(st.integers(-1, 2)), draw(st.integers(-1, 2))]
        else:
            crop = [draw(st.integers(-1, 0)), draw(st.integers(-1, 0))]
            kept = n + sum(crop)
            limit = kept - 1 if mode == "reflect" else kept
            pads += [c or draw(st.integers(0, min(limit, 2))) for c in crop]
    return shape, tuple(pads)


def _ref_pad(a, pad, mode, value):
    widths = [(0, 0)] * (a.ndim - len(pad) // 2) + [
        (pad[2 * i], pad[2 * i + 1]) for i in reversed(range(len(pad) // 2))]
    a = a[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, a.shape))]
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    if mode == "constant":
        return np.pad(a, widths, constant_values=value)
    return np.pad(a, widths, mode=_NUMPY_MODE[mode])


@pytest.mark.parametrize("mode", list(_NUMPY_MODE))
@settings(max_examples=POOL_EXAMPLES)
@given(data=st.data())
def test_pad(mode, data):
    shape, pad = data.draw(pad_cases(mode))
    value = data.draw(st.sampled_from([0.0, 1.5])) if mode == "constant" else None
    x = data.draw(arrays(shape))
    kw = {} if value is None else {"value": value}
    check_op(lambda t: F.pad(t, pad, mode, **kw), [x], data,
             lambda a: _ref_pad(a, pad, mode, value))


@pytest.mark.parametrize("call,kind,words", [
    (lambda x: F.max_pool2d(x, 3, padding=2), ShapeError, ["max_pool2d", "pad=(2, 2)"]),
    (lambda x: F.max_pool2d(x[0, 0], 2), ShapeError, ["max_pool2d", "(4, 5)"]),
    (lambda x: F.max_pool2d(x, 6), ShapeError, ["max_pool2d", "(2, 3, 4, 5)", "(0x0)"]),
    (lambda x: F.max_pool2d(x.bool(), 2), DTypeError, ["max_pool2d", "bool"]),
    (lambda x: F.avg_pool2d(x, (1, 2, 3)), ShapeError, ["avg_pool2d", "kernel_size"]),
    (lambda x: F.adaptive_avg_pool2d(x.long(), 2), DTypeError, ["adaptive_avg_pool2d",
                                                                  "int64"]),
    (lambda x: F.adaptive_avg_pool2d(x[0, 0], 2), ShapeError, ["adaptive_avg_pool2d",
                                                                 "(4, 5)"]),
    (lambda x: F.pad(x, (1, 1, 1)), ShapeError, ["pad", "divisible by 2"]),
    (lambda x: F.pad(x, (5, 0, 0, 0), "reflect"), ShapeError, ["pad", "reflect",
                                                                 "(2, 3, 4, 5)"]),
    (lambda x: F.pad(x, (1, 1), "reflect"), NotImplementedError, ["pad", "4D", "(2, 3, 4, 5)"]),
    (lambda x: F.pad(x, (-3, -3)), ShapeError, ["pad", "(2, 3, 4, 5)"]),
])
def test_errors_name_the_op_and_shapes(call, kind, words):
    with pytest.raises(kind) as err:
        call(tg.zeros(2, 3, 4, 5))
    for w in words:
        assert w in str(err.value)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("k,s,p,n", [(2, 2, 0, 5), (3, 2, 1, 6), (4, 3, 2, 7)])
def test_avg_pool2d_ceil_mode_windows_past_the_padding(k, s, p, n, count_include_pad):
    """With ceil_mode the last window can reach past the right padding: those positions
    never count, not even with count_include_pad (PyTorch's divisor)."""
    x = np.random.default_rng(n).normal(size=(1, 2, n, n))
    y = check_op(lambda t: F.avg_pool2d(t, k, s, p, True, count_include_pad), [x],
                 np.ones((1, 2, *(2 * [_out_len(n, k, s, p, 1, True)]))),
                 lambda a: _ref_avg(a, (k, k), (s, s), (p, p), True, count_include_pad, None))
    assert (_out_len(n, k, s, p, 1, True) - 1) * s + k > n + p  # the case in question
    assert y.shape[-1] == _out_len(n, k, s, p, 1, True)
