"""Conv1d, Conv2d, ConvTranspose2d: PyTorch's weight layouts, default initialisation, repr,
state-dict keys and construction errors (values against PyTorch: tests/parity)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.nn import functional as F


@pytest.mark.parametrize("make, weight_shape", [
    (lambda: nn.Conv1d(4, 200, 3, groups=2), (200, 2, 3)),
    (lambda: nn.Conv2d(4, 200, (3, 5), groups=2), (200, 2, 3, 5)),
    (lambda: nn.ConvTranspose2d(4, 200, (3, 5), groups=2), (4, 100, 3, 5)),
], ids=["Conv1d", "Conv2d", "ConvTranspose2d"])
def test_layout_and_default_init(make, weight_shape):
    """weight and bias uniform in +-1/sqrt(fan_in), fan_in = weight.shape[1] * kernel area
    (kaiming_uniform_(a=sqrt(5)) and PyTorch's bias bound)."""
    tg.manual_seed(0)
    m = make()
    assert m.weight.shape == weight_shape and m.bias.shape == (200,)
    assert list(m.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(weight_shape[1] * math.prod(weight_shape[2:]))
    for p in (m.weight, m.bias):
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.9 * bound   # spread over the whole range
    assert m.weight.dtype == np.float32


def test_repr_as_pytorch():
    assert repr(nn.Conv2d(4, 6, 3)) == "Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(4, 6, (3, 5), stride=2, padding=1, dilation=2, groups=2,
                          bias=False)) == \
        ("Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
         "groups=2, bias=False)")
    assert repr(nn.Conv2d(4, 6, 3, padding="same")) == \
        "Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)"
    assert repr(nn.Conv1d(4, 6, 3)) == "Conv1d(4, 6, kernel_size=(3,), stride=(1,))"
    assert repr(nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1)) == \
        "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"


def test_no_bias_and_dtype():
    m = nn.Conv2d(2, 3, 1, bias=False, dtype=np.float64)
    assert m.bias is None and list(m.state_dict()) == ["weight"]
    out = m(tg.Tensor(np.ones((1, 2, 2, 2))))
    assert out.dtype == np.float64 and out.shape == (1, 3, 2, 2)


@pytest.mark.parametrize("make, kind, message", [
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 6, 3, groups=3), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 6, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda: nn.Conv2d(4, 6, 3, padding="sam"), ValueError, "Invalid padding string 'sam'"),
    (lambda: nn.Conv2d(4, 6, 3, padding="same", stride=2), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv2d(4, 6, 3, padding_mode="foo"), ValueError, "padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: nn.Conv2d(4, 6, 3, device="cuda"), RuntimeError, "cuda"),
])
def test_construction_errors(make, kind, message):
    with pytest.raises(kind, match=message):
        make()


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                              ("circular", "wrap")])
@pytest.mark.parametrize("padding, widths", [(1, ((1, 1), (1, 1))), ((2, 1), ((2, 2), (1, 1))),
                                             ("same", ((1, 2), (0, 1)))])
def test_padding_modes_pad_the_input_then_convolve(mode, numpy_mode, padding, widths):
    """padding_mode pads the input in that mode (np.pad's reflect, edge, wrap), then the
    convolution pads nothing; 'same' with a 4x2 kernel puts the odd pixel on the right, as
    PyTorch. The input's gradient goes back through the padding: central differences."""
    tg.manual_seed(0)
    layer = nn.Conv2d(2, 3, (4, 2), padding=padding, padding_mode=mode, dtype=np.float64)
    assert repr(layer).endswith(f"padding_mode={mode})")
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 5))
    padded = np.pad(x, ((0, 0), (0, 0), *widths), mode=numpy_mode)
    want = F.conv2d(tg.Tensor(padded), layer.weight.detach(), layer.bias.detach())
    xt = tg.Tensor(x, requires_grad=True)
    np.testing.assert_allclose(layer(xt).data, want.data, rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(layer, (xt,))


def test_wrong_input_channels_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"conv2d: Given groups=1, weight of size \[6, 4, 3, 3\], "
                       r"expected input\[1, 3, 5, 5\] to have 4 channels"):
        nn.Conv2d(4, 6, 3)(tg.ones(1, 3, 5, 5))


@pytest.mark.parametrize("output_size, message", [
    ((9, 9), r"ConvTranspose2d: requested an output size of \[9, 9\], but valid sizes range "
             r"from \[7, 7\] to \[8, 8\] \(for an input of \[4, 4\]\)"),
    ((8,), r"ConvTranspose2d: for 4D input, output_size must have 2 or 4 elements \(got 1\)"),
])
def test_conv_transpose2d_output_size_errors(output_size, message):
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    with pytest.raises(ValueError, match=message):
        m(tg.zeros(1, 2, 4, 4), output_size)


@pytest.mark.parametrize("output_size", [None, (4, 4)])
def test_conv_transpose2d_string_padding_fails_at_the_call_naming_the_op(output_size):
    # built, as in PyTorch ('same' passes the shared checks); the call refuses it, with or
    # without output_size (which used to fail inside its arithmetic, naming nothing)
    m = nn.ConvTranspose2d(2, 3, 3, padding="same")
    with pytest.raises(DTypeError,
                       match=r"conv_transpose2d\(\): argument 'padding' must be tuple of "
                             r"ints, not str"):
        m(tg.zeros(1, 2, 4, 4), output_size)
