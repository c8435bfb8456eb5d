"""Convolutions (``tinygrad_edu/ops/conv.py``): conv1d, conv2d, conv_transpose2d, unfold and
fold on drawn shapes, strides, paddings, dilations and groups, against loop-per-pixel
NumPy references written from the definitions (no im2col), with first and second order
gradients against finite differences (`check_op`); and their errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.errors import DTypeError, ShapeError

from .checks import check_op
from .strategies import arrays

FAST = settings(max_examples=15, deadline=None)


# ----------------------------------------------------------------------------- references
def ref_conv2d(x, w, b, stride, pads, dilation, groups):
    """out[n, o, r, s] = b[o] + sum_{c, i, j} w[o, c, i, j] x_pad[n, g*C/G + c, r*sh + i*dh,
    s*sw + j*dw], one output pixel at a time."""
    (sh, sw), (dh, dw), ((t, bo), (le, ri)) = stride, dilation, pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, bo), (le, ri)))
    n, _, hp, wp = xp.shape
    o, cg, kh, kw = w.shape
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, ho, wo))
    for oc in range(o):
        g = oc // (o // groups)
        for r in range(ho):
            for s in range(wo):
                patch = xp[:, g * cg:(g + 1) * cg, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                           s * sw:s * sw + dw * (kw - 1) + 1:dw]
                out[:, oc, r, s] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out if b is None else out + b[:, None, None]


def ref_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation):
    """Each input pixel adds x[n, c, r, s] * w[c, o, :, :] onto the (uncropped) output at
    (r*sh + i*dh, s*sw + j*dw); then the padding is cut off."""
    (sh, sw), (dh, dw), (ph, pw), (oph, opw) = stride, dilation, padding, output_padding
    n, cin, h, wd = x.shape
    _, og, kh, kw = w.shape
    full = np.zeros((n, og * groups, (h - 1) * sh + dh * (kh - 1) + 1 + oph,
                     (wd - 1) * sw + dw * (kw - 1) + 1 + opw))
    for c in range(cin):
        g = c // (cin // groups)
        for r in range(h):
            for s in range(wd):
                for i in range(kh):
                    for j in range(kw):
                        full[:, g * og:(g + 1) * og, r * sh + i * dh, s * sw + j * dw] += \
                            x[:, c, r, s, None] * w[c, :, i, j]
    out = full[:, :, ph:full.shape[2] - ph, pw:full.shape[3] - pw]
    return out if b is None else out + b[:, None, None]


def ref_unfold(x, k, dilation, padding, stride):
    """Column r*Wo + s holds the block under output position (r, s), channel-major."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = k, dilation, padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, hp, wp = xp.shape
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    cols = np.zeros((n, c * kh * kw, ho * wo))
    for r in range(ho):
        for s in range(wo):
            block = xp[:, :, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                       s * sw:s * sw + dw * (kw - 1) + 1:dw]
            cols[:, :, r * wo + s] = block.reshape(n, -1)
    return cols


def ref_fold(cols, size, k, dilation, padding, stride):
    """Add each column back onto its block of a padded canvas; cut the padding off."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = k, dilation, padding, stride
    n, ckk, _ = cols.shape
    h, w = size
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    canvas = np.zeros((n, ckk // (kh * kw), h + 2 * ph, w + 2 * pw))
    for r in range(ho):
        for s in range(wo):
            canvas[:, :, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                   s * sw:s * sw + dw * (kw - 1) + 1:dw] += \
                cols[:, :, r * wo + s].reshape(n, -1, kh, kw)
    return canvas[:, :, ph:ph + h, pw:pw + w]


# ----------------------------------------------------------------------------- geometry
@st.composite
def conv_cases(draw, transposed: bool = False, nd: int = 2):
    """Tiny convolution geometries: (N, groups, C/G, O/G, kernel, stride, padding, dilation,
    input spatial size, output_padding) with at least one output position."""
    n, groups = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(nd))
    reach = [d * (kk - 1) + 1 for d, kk in zip(dilation, k)]
    if transposed:
        out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        size = tuple(draw(st.integers(1, 3 if nd == 1 else 2)) for _ in range(nd))
        ok = all((h - 1) * s - 2 * p + r + op >= 1 for h, s, p, r, op in
                 zip(size, stride, padding, reach, out_pad))
        padding = padding if ok else (0,) * nd
    else:
        out_pad = (0,) * nd
        size = tuple(draw(st.integers(max(1, r - 2 * p), max(1, r - 2 * p) + 2))
                     for r, p in zip(reach, padding))
    return n, groups, cg, og, k, stride, padding, dilation, size, out_pad


def _as_int(t: tuple[int, ...], nd: int):
    return t[0] if nd == 1 else t


@FAST
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no bias"])
@given(data=st.data(), case=conv_cases())
def test_conv2d(bias, data, case):
    n, groups, cg, og, k, stride, padding, dilation, size, _ = case
    same = stride == (1, 1) and data.draw(st.booleans(), label="padding='same'")
    pad_arg = "same" if same else padding
    pads = tuple((d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2)
                 for d, kk in zip(dilation, k)) if same else tuple((p, p) for p in padding)
    x = data.draw(arrays((n, groups * cg, *size)), label="x")
    w = data.draw(arrays((groups * og, cg, *k)), label="w")
    inputs = [x, w] + ([data.draw(arrays((groups * og,)), label="b")] if bias else [])
    check_op(lambda x, w, b=None: F.conv2d(x, w, b, stride, pad_arg, dilation, groups),
             inputs, data,
             lambda x, w, b=None: ref_conv2d(x, w, b, stride, pads, dilation, groups))


@FAST
@given(data=st.data(), case=conv_cases(nd=1))
def test_conv1d(data, case):
    n, groups, cg, og, k, stride, padding, dilation, size, _ = case
    x = data.draw(arrays((n, groups * cg, *size)), label="x")
    w = data.draw(arrays((groups * og, cg, *k)), label="w")
    b = data.draw(arrays((groups * og,)), label="b")
    check_op(lambda x, w, b: F.conv1d(x, w, b, stride[0], padding[0], dilation[0], groups),
             [x, w, b], data,
             lambda x, w, b: ref_conv2d(x[:, :, None], w[:, :, None], b, (1, *stride),
                                        ((0, 0), (padding[0],) * 2), (1, *dilation),
                                        groups)[:, :, 0])


@FAST
@given(data=st.data(), case=conv_cases(transposed=True))
def test_conv_transpose2d(data, case):
    n, groups, cg, og, k, stride, padding, dilation, size, out_pad = case
    x = data.draw(arrays((n, groups * cg, *size)), label="x")
    w = data.draw(arrays((groups * cg, og, *k)), label="w")
    b = data.draw(arrays((groups * og,)), label="b")
    check_op(lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, out_pad, groups,
                                                dilation),
             [x, w, b], data,
             lambda x, w, b: ref_conv_transpose2d(x, w, b, stride, padding, out_pad, groups,
                                                  dilation))


@FAST
@given(data=st.data(), case=conv_cases())
def test_unfold(data, case):
    n, groups, cg, _, k, stride, padding, dilation, size, _ = case
    x = data.draw(arrays((n, groups * cg, *size)), label="x")
    check_op(lambda x: F.unfold(x, k, dilation, padding, stride), [x], data,
             lambda x: ref_unfold(x, k, dilation, padding, stride))


@FAST
@given(data=st.data(), case=conv_cases())
def test_fold(data, case):
    n, groups, cg, _, k, stride, padding, dilation, size, _ = case
    blocks = [(h + 2 * p - d * (kk - 1) - 1) // s + 1
              for h, p, d, kk, s in zip(size, padding, dilation, k, stride)]
    cols = data.draw(arrays((n, groups * cg * k[0] * k[1], blocks[0] * blocks[1])),
                     label="cols")
    check_op(lambda c: F.fold(c, size, k, dilation, padding, stride), [cols], data,
             lambda c: ref_fold(c, size, k, dilation, padding, stride))


def test_unbatched_inputs_give_unbatched_outputs():
    """(C, H, W) in, (O, Ho, Wo) out, equal to the batched op on a batch of one."""
    rng = np.random.default_rng(0)
    x, w = tg.Tensor(rng.standard_normal((2, 4, 5))), tg.Tensor(rng.standard_normal((3, 2, 2, 2)))
    wt, w1 = tg.Tensor(rng.standard_normal((2, 3, 2, 2))), w[:, :, 0]
    x1 = tg.Tensor(rng.standard_normal((2, 5)))
    for fn, x_ in ((lambda x: F.conv2d(x, w), x), (lambda x: F.unfold(x, 2), x),
                   (lambda x: F.conv_transpose2d(x, wt, stride=2), x),
                   (lambda x: F.conv1d(x, w1), x1)):
        one, batch = fn(x_), fn(x_.reshape((1, *x_.shape)))
        assert one.shape == batch.shape[1:]
        np.testing.assert_array_equal(one.data, batch.data[0])
    cols = F.unfold(x, 2)
    np.testing.assert_array_equal(F.fold(cols, (4, 5), 2).data,
                                  F.fold(cols[None], (4, 5), 2).data[0])


def test_fold_of_unfold_counts_the_blocks_covering_each_pixel():
    """The docstring's identity: fold(unfold(x)) = x * (number of blocks covering a pixel)."""
    x = tg.ones(1, 1, 3, 4, dtype=np.float64)
    counts = F.fold(F.unfold(x, 2), (3, 4), 2).data[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_unfold_and_fold_keep_nothing_for_backward():
    x = tg.Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    for y in (F.unfold(x, 2), F.fold(F.unfold(x, 2), 3, 2)):
        assert y.grad_fn.out is None and y.grad_fn.inputs == (None,)


# ----------------------------------------------------------------------------- errors
def _t(*shape, dtype=np.float64):
    return tg.Tensor(np.ones(shape, dtype=dtype))


ERRORS = {
    "wrong channels": (lambda: F.conv2d(_t(2, 4, 8, 8), _t(6, 3, 3, 3)), ShapeError,
                       "conv2d: Given groups=1, weight of size [6, 3, 3, 3], expected "
                       "input[2, 4, 8, 8] to have 3 channels, but got 4 channels instead"),
    "groups not dividing": (lambda: F.conv2d(_t(2, 4, 8, 8), _t(3, 2, 3, 3), groups=2),
                            ShapeError, "conv2d: Given groups=2, expected weight to be "
                            "divisible by 2 at dimension 0, but got weight of size "
                            "[3, 2, 3, 3] instead"),
    "kernel too large": (lambda: F.conv2d(_t(2, 4, 2, 2), _t(6, 4, 3, 3)), ShapeError,
                         "conv2d: Calculated padded input size per channel: (2 x 2). Kernel "
                         "size: (3 x 3). Kernel size can't be greater than actual input size"),
    "dilated kernel too large": (lambda: F.conv1d(_t(1, 1, 5), _t(1, 1, 3), padding=1,
                                                  dilation=4), ShapeError,
                                 "conv1d: Calculated padded input size per channel: (7). "
                                 "Kernel size: (9)."),
    "input dims": (lambda: F.conv2d(_t(2, 4), _t(6, 4, 3, 3)), ShapeError,
                   "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input "
                   "of size: [2, 4]"),
    "conv1d input dims": (lambda: F.conv1d(_t(2, 4, 3, 3), _t(6, 4, 3)), ShapeError,
                          "Expected 2D (unbatched) or 3D (batched) input to conv1d"),
    "bias": (lambda: F.conv2d(_t(2, 4, 8, 8), _t(6, 4, 3, 3), _t(5)), ShapeError,
             "conv2d: Given weight of size [6, 4, 3, 3], expected bias to be 1-dimensional "
             "with 6 elements, but got bias of size [5] instead"),
    "stride": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), stride=0), ShapeError,
               "conv2d: non-positive stride is not supported"),
    "padding": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), padding=-1), ShapeError,
                "conv2d: negative padding is not supported"),
    "dilation": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), dilation=0), ShapeError,
                 "conv2d: non-positive dilation is not supported"),
    "groups": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), groups=0), ShapeError,
               "conv2d: non-positive groups is not supported"),
    "same with stride": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), stride=2,
                                          padding="same"), ShapeError,
                         "conv2d: padding='same' is not supported for strided convolutions"),
    "padding string": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), padding="full"),
                       ShapeError, "conv2d: Invalid padding string: 'full'"),
    "stride length": (lambda: F.conv1d(_t(1, 1, 3), _t(1, 1, 1), stride=(1, 1)), ShapeError,
                      "conv1d: expected stride to be a single integer value or a list of 1 "
                      "values to match the convolution dimensions, but got stride=[1, 1]"),
    "dtypes": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1, dtype=np.float32)), DTypeError,
               "conv2d: Input type (float64) and weight type (float32) should be the same"),
    "bias dtype": (lambda: F.conv2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1), _t(1, dtype=np.float32)),
                   DTypeError, "conv2d: Input type (float64) and bias type (float32)"),
    "transposed channels": (lambda: F.conv_transpose2d(_t(2, 4, 8, 8), _t(3, 4, 3, 3)),
                            ShapeError, "conv_transpose2d: Given transposed=1, weight of size "
                            "[3, 4, 3, 3], expected input[2, 4, 8, 8] to have 3 channels, but "
                            "got 4 channels instead"),
    "output padding": (lambda: F.conv_transpose2d(_t(1, 4, 3, 3), _t(4, 4, 3, 3), stride=2,
                                                  output_padding=2), ShapeError,
                       "conv_transpose2d: output padding must be smaller than either stride "
                       "or dilation"),
    "transposed output too small": (lambda: F.conv_transpose2d(_t(1, 1, 1, 1), _t(1, 1, 1, 1),
                                                               padding=1), ShapeError,
                                    "conv_transpose2d: Given input size per channel: (1 x 1). "
                                    "Calculated output size per channel: (-1 x -1). Output "
                                    "size is too small"),
    "transposed string padding": (lambda: F.conv_transpose2d(_t(1, 1, 3, 3), _t(1, 1, 1, 1),
                                                             padding="same"), TypeError,
                                  "conv_transpose2d(): argument 'padding' must be tuple of "
                                  "ints, not str"),
    "unfold blocks": (lambda: F.unfold(_t(2, 3, 4, 4), 5), ShapeError,
                      "unfold: Given input with spatial size (4, 4), kernel_size=(5, 5), "
                      "dilation=(1, 1), padding=(0, 0), calculated shape of the array of "
                      "sliding blocks as (0, 0), but its components must be at least one."),
    "unfold dims": (lambda: F.unfold(_t(2, 3), 1), ShapeError,
                    "unfold: Input Error: Only 3D or 4D input Tensors are supported (got 2D"),
    "fold divisible": (lambda: F.fold(_t(2, 10, 4), (4, 4), (3, 3)), ShapeError,
                       "fold: Expected size of input's dimension 1 to be divisible by the "
                       "product of kernel_size, but got input.size(1)=10 and "
                       "kernel_size=(3, 3)."),
    "fold blocks": (lambda: F.fold(_t(2, 18, 4), (5, 5), (3, 3)), ShapeError,
                    "fold: Given output_size=(5, 5), kernel_size=(3, 3), dilation=(1, 1), "
                    "padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to "
                    "match the calculated number of sliding blocks 3 * 3 = 9, but got "
                    "input.size(2)=4."),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_name_the_op_and_shapes(name):
    call, kind, message = ERRORS[name]
    with pytest.raises(kind, match=re.escape(message)):
        call()


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d", "unfold"])
def test_float32_in_float32_out_and_gradients(op):
    """No silent upcast: float32 inputs give float32 outputs and gradients (values as in
    float64 to float32 precision)."""
    rng = np.random.default_rng(1)
    arrays_ = [rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((4, 2, 3, 3)),
               rng.standard_normal(4)]
    fn = {"conv2d": lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
          "conv_transpose2d": lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, groups=2),
          "unfold": lambda x, w, b: F.unfold(x, 3, padding=1) * w.sum() + b.sum()}[op]
    results = []
    for dtype in (np.float32, np.float64):
        ts = [tg.Tensor(a.astype(dtype), requires_grad=True) for a in arrays_]
        y = fn(*ts)
        y.sum().backward()
        assert y.dtype == dtype and all(t.grad.dtype == dtype for t in ts)
        results.append([y.data, *(t.grad.data for t in ts)])
    for lo, hi in zip(*results):
        np.testing.assert_allclose(lo, hi, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d"])
def test_empty_batch(op):
    """A batch of 0 gives an empty output and gradients (zero for the weight), as PyTorch."""
    x = tg.Tensor(np.zeros((0, 2, 3, 3)), requires_grad=True)
    w = tg.Tensor(np.ones((2, 2, 2, 2)), requires_grad=True)
    y = F.conv2d(x, w, padding=1) if op == "conv2d" else F.conv_transpose2d(x, w, stride=2)
    assert y.shape == ((0, 2, 4, 4) if op == "conv2d" else (0, 2, 6, 6))
    y.sum().backward()
    assert x.grad.shape == x.shape and not np.any(w.grad.data)
