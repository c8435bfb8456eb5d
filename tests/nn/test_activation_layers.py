"""Activation layers (issue 13): PyTorch's names, defaults, reprs; PReLU's learnable slope."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

LAYERS = [
    (nn.GELU(), "GELU(approximate='none')", F.gelu),
    (nn.GELU("tanh"), "GELU(approximate='tanh')", lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), "SiLU()", F.silu),
    (nn.Mish(), "Mish()", F.mish),
    (nn.ELU(), "ELU(alpha=1.0)", F.elu),
    (nn.ELU(0.5), "ELU(alpha=0.5)", lambda x: F.elu(x, 0.5)),
    (nn.CELU(2.0), "CELU(alpha=2.0)", lambda x: F.celu(x, 2.0)),
    (nn.SELU(), "SELU()", F.selu),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)", F.hardtanh),
    (nn.Hardtanh(-2.0, 0.5), "Hardtanh(min_val=-2.0, max_val=0.5)",
     lambda x: F.hardtanh(x, -2.0, 0.5)),
    (nn.ReLU6(), "ReLU6()", F.relu6),
    (nn.Hardsigmoid(), "Hardsigmoid()", F.hardsigmoid),
    (nn.Hardswish(), "Hardswish()", F.hardswish),
    (nn.Softsign(), "Softsign()", F.softsign),
    (nn.LogSigmoid(), "LogSigmoid()", F.logsigmoid),
    (nn.Softmin(1), "Softmin(dim=1)", lambda x: F.softmin(x, 1)),
    (nn.GLU(), "GLU(dim=-1)", F.glu),
    (nn.GLU(0), "GLU(dim=0)", lambda x: F.glu(x, 0)),
]


@pytest.mark.parametrize("layer, text, fn", LAYERS, ids=[t for _, t, _ in LAYERS])
def test_layer_is_its_function_with_pytorch_repr(layer, text, fn):
    x = tg.Tensor(np.linspace(-4, 4, 24).reshape(4, 6))
    np.testing.assert_array_equal(layer(x).data, fn(x).data)
    assert repr(layer) == text
    assert list(layer.parameters()) == [] and list(layer.state_dict()) == []


def test_relu6_and_hardsigmoid_values_and_bound_gradients():
    """PyTorch's: gradient 0 at the bounds (x = 0 and 6; x = -3 and 3)."""
    x = tg.Tensor(np.array([-1.0, 0.0, 3.0, 6.0, 7.0]), requires_grad=True)
    F.relu6(x).sum().backward()
    np.testing.assert_array_equal(F.relu6(x).data, [0, 0, 3, 6, 6])
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1, 0, 0])
    z = tg.Tensor(np.array([-4.0, -3.0, 0.0, 3.0, 4.0]), requires_grad=True)
    F.hardsigmoid(z).sum().backward()
    np.testing.assert_allclose(F.hardsigmoid(z).data, [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(z.grad.data, [0, 0, 1 / 6, 0, 0])


def test_hardswish_gradient_at_the_bounds_as_pytorch():
    x = tg.Tensor(np.array([-3.0, 0.0, 3.0]), requires_grad=True)
    F.hardswish(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.5, 1.0])


def test_selu_constants_and_elu_at_zero():
    x = tg.Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    y = F.selu(x)
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    np.testing.assert_allclose(y.data, [scale * alpha * (np.exp(-1) - 1), 0, 2 * scale])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [scale * alpha * np.exp(-1), scale * alpha, scale])


def test_prelu_slope_is_a_learnable_parameter():
    m = nn.PReLU()
    assert repr(m) == "PReLU(num_parameters=1)"
    assert list(m.state_dict()) == ["weight"] and m.weight.shape == (1,)
    np.testing.assert_array_equal(m.weight.data, [0.25])
    x = tg.Tensor(np.array([[-2.0, 1.0], [4.0, -1.0]]))
    y = m(x)
    np.testing.assert_allclose(y.data, [[-0.5, 1.0], [4.0, -0.25]])
    y.sum().backward()
    np.testing.assert_allclose(m.weight.grad.data, [-3.0])  # sum of the negative inputs


def test_prelu_per_channel_on_nchw_like_input():
    m = nn.PReLU(num_parameters=3, init=0.1)
    assert m.weight.shape == (3,) and repr(m) == "PReLU(num_parameters=3)"
    m.weight.data[:] = [0.1, 0.2, 0.3]
    x = -np.ones((2, 3, 4))
    y = m(tg.Tensor(x))
    np.testing.assert_allclose(y.data, np.broadcast_to([[[-0.1], [-0.2], [-0.3]]], (2, 3, 4)))
    y.sum().backward()
    np.testing.assert_allclose(m.weight.grad.data, [-8.0, -8.0, -8.0])
    with pytest.raises(tg.ShapeError, match="channel size = 5"):
        m(tg.randn(2, 5))


def test_prelu_keeps_a_0d_input_0d():
    assert nn.PReLU()(tg.Tensor(np.array(-2.0))).shape == ()


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")(tg.randn(2))


def test_relu_inplace_as_pytorch_overwrites_its_input_and_gives_the_same_gradients():
    import numpy as np

    import tinygrad_edu as tg
    from tinygrad_edu import nn

    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 2))
    ref = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    ref.load_state_dict(net.state_dict())
    x = tg.randn(5, 4)
    net(x).sum().backward()
    ref(x).sum().backward()
    np.testing.assert_array_equal(net[0].weight.grad.data, ref[0].weight.grad.data)
    assert repr(net[1]) == "ReLU(inplace=True)" and repr(ref[1]) == "ReLU()"
    with tg.no_grad():
        h = tg.tensor([-1.0, 2.0])
        assert nn.ReLU(inplace=True)(h) is h and h.tolist() == [0.0, 2.0]
