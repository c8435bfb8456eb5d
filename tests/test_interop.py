"""NumPy / DLPack / Python-number interop and the dtype/device API, against PyTorch's
documented behaviour (and PyTorch itself when it is installed)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DeviceError, ShapeError


# ----------------------------------------------------------------------------- NumPy
def test_asarray_is_zero_copy_and_keeps_the_dtype():
    t = tg.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    a = np.asarray(t)
    assert a is t.data and a.dtype == np.float32
    assert np.shares_memory(np.array(t, copy=False), t.data)
    assert not np.shares_memory(np.array(t), t.data)  # np.array copies by default
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="copy"):
        np.array(t, dtype=np.float64, copy=False)


def test_asarray_refuses_a_tensor_that_requires_grad():
    t = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        np.asarray(t)
    assert np.asarray(t.detach()) is t.data
    assert t.numpy(force=True) is t.data


@pytest.mark.parametrize("left", [np.array([1.0, 2.0, 3.0]), np.float64(2.0), np.array(2.0)],
                         ids=["ndarray", "np.float64", "0-d ndarray"])
def test_numpy_on_the_left_keeps_the_graph(left):
    x = tg.Tensor(np.array([0.5, 1.0, 1.5]), requires_grad=True)
    for y, dy in ((left * x, np.broadcast_to(left, 3)), (left + x, np.ones(3)),
                  (left - x, -np.ones(3)), (left / x, -left / x.data ** 2)):
        assert isinstance(y, tg.Tensor) and y.requires_grad
        x.grad = None
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, dy)


def test_numpy_scalar_does_not_upcast_float32():
    x = tg.ones(3, requires_grad=True)
    assert (np.float64(2.0) * x).dtype == tg.float32
    assert (x * np.float64(2.0)).dtype == tg.float32


def test_ndarray_matmul_tensor_is_recorded():
    w = tg.Tensor(np.ones((3, 2)), requires_grad=True)
    y = np.ones((4, 3)) @ w
    assert isinstance(y, tg.Tensor) and y.shape == (4, 2)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.data, np.full((3, 2), 4.0))


def test_numpy_ufunc_with_a_recorded_op_is_that_op():
    x = tg.Tensor(np.array([0.5, 2.0]), requires_grad=True)
    for ufunc, grad in ((np.exp, np.exp), (np.log, lambda a: 1 / a),
                        (np.sqrt, lambda a: 0.5 / np.sqrt(a)),
                        (np.tanh, lambda a: 1 - np.tanh(a) ** 2),
                        (np.negative, lambda a: -np.ones_like(a)), (np.absolute, np.sign)):
        y = ufunc(x)
        assert isinstance(y, tg.Tensor) and y.grad_fn is not None, ufunc
        x.grad = None
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, grad(x.data))
    assert isinstance(np.maximum(x, 1.0), tg.Tensor)
    assert (np.equal(x, 2.0)).dtype == tg.bool


def test_numpy_ufunc_without_an_op():
    """No recorded op: computed on the data (a Tensor, outside the graph); refused for a
    tensor that requires grad instead of silently losing its gradient."""
    x = tg.Tensor(np.array([-2.0, 0.0, 3.0]))
    y = np.signbit(x)
    assert isinstance(y, tg.Tensor) and y.tolist() == [True, False, False]
    assert isinstance(np.add.reduce(x), tg.Tensor) and np.add.reduce(x).item() == 1.0
    with pytest.raises(TypeError, match=r"np\.spacing.*gradient"):
        np.spacing(x.requires_grad_())
    assert np.sign(x).grad_fn is not None  # a framework op of the same name: recorded


def test_ndarray_comparison_gives_a_tensor():
    out = np.array([1.0, 2.0]) < tg.Tensor(np.array([2.0, 1.0]))
    assert isinstance(out, tg.Tensor) and out.tolist() == [True, False]


# ----------------------------------------------------------------------------- DLPack
def test_dlpack_with_numpy_is_zero_copy():
    t = tg.Tensor(np.arange(4.0))
    a = np.from_dlpack(t)
    assert np.shares_memory(a, t.data)
    back = tg.from_dlpack(a)
    assert isinstance(back, tg.Tensor) and np.shares_memory(back.data, t.data)
    assert t.__dlpack_device__() == (1, 0)  # kDLCPU, device 0


def test_dlpack_refuses_a_tensor_that_requires_grad():
    with pytest.raises(BufferError, match="detach"):
        tg.ones(2, requires_grad=True).__dlpack__()


def test_dlpack_with_torch_is_zero_copy_both_ways():
    torch = pytest.importorskip("torch")
    t = tg.Tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    tt = torch.from_dlpack(t)
    assert tt.dtype == torch.float32 and tt.shape == (2, 3)
    tt[0, 0] = 42.0
    assert t.data[0, 0] == 42.0
    src = torch.arange(5, dtype=torch.int64)
    g = tg.from_dlpack(src)
    assert g.dtype == tg.int64 and g.tolist() == [0, 1, 2, 3, 4]
    src[1] = 7
    assert g.data[1] == 7


# ----------------------------------------------------------------------------- Python numbers
def test_format():
    loss = tg.Tensor(np.array(0.123456))
    assert f"{loss:.4f}" == "0.1235" and f"{loss}" == "0.123456"  # 0-d: the number
    assert f"{tg.tensor(3):>3d}" == "  3"
    assert f"{tg.ones(2)}" == str(tg.ones(2))
    with pytest.raises(TypeError, match="format"):
        f"{tg.ones(1):.2f}"  # PyTorch: only 0-d tensors take a format spec


def test_python_number_protocol():
    assert float(tg.tensor([2.5])) == 2.5 and int(tg.tensor([2.7])) == 2
    assert tg.tensor(3).__index__() == 3 and [10, 20, 30][tg.tensor([1])] == 20
    assert list(range(tg.tensor(3))) == [0, 1, 2] and tg.tensor([True]).__index__() == 1
    with pytest.raises(TypeError, match="integer tensors of a single element"):
        [1, 2][tg.tensor(1.0)]
    with pytest.raises(TypeError, match="integer tensors of a single element"):
        range(tg.tensor([1, 2]))
    with pytest.raises(ValueError, match="one-element"):
        float(tg.ones(2))
    with pytest.raises(RuntimeError, match="2 elements"):
        tg.ones(2).item()
    with pytest.raises(ShapeError):
        tg.ones(2).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.ones(2))
    assert bool(tg.tensor([1])) and not bool(tg.tensor(0.0))
    assert len(tg.ones(4, 2)) == 4
    with pytest.raises(TypeError, match="0-d"):
        len(tg.tensor(1.0))
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert tg.tensor(2.5).tolist() == 2.5 and isinstance(tg.tensor(2).item(), int)


# ----------------------------------------------------------------------------- dtypes
CONVERSIONS = {"float": tg.float32, "double": tg.float64, "half": tg.float16,
               "long": tg.int64, "int": tg.int32, "short": tg.int16, "char": tg.int8,
               "byte": tg.uint8, "bool": tg.bool}


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_dtype_conversion_methods(name):
    x = tg.Tensor(np.array([0.0, 1.0, 2.0]))
    y = getattr(x, name)()
    assert y.dtype == CONVERSIONS[name] and y.tolist() == [0, 1, 2] if name != "bool" \
        else y.tolist() == [False, True, True]


def test_integer_conversion_of_a_grad_tensor_is_detached():
    """PyTorch: x.long() works on a tensor that requires grad and gives one that does not."""
    x = tg.Tensor(np.array([1.5, 2.5]), requires_grad=True)
    y = x.long()
    assert y.dtype == tg.int64 and not y.requires_grad and y.tolist() == [1, 2]


def test_to_and_type():
    x = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert x.to("cpu") is x and x.to(tg.device("cpu")) is x and x.to(tg.float64) is x
    assert x.to(tg.float32).dtype == tg.float32 and x.to("cpu", tg.float32).dtype == tg.float32
    assert x.to(device="cpu", dtype=np.float16).dtype == tg.float16
    assert x.to(tg.ones(1, dtype=tg.int64)).dtype == tg.int64
    c = x.to(tg.float64, copy=True)
    assert c is not x and not np.shares_memory(c.data, x.data)
    y = x.to(tg.float32)
    y.sum().backward()
    assert x.grad.dtype == tg.float64  # the cast is recorded; gradient converted back
    assert x.type() == "tinygrad_edu.DoubleTensor"
    assert x.float().type() == "tinygrad_edu.FloatTensor"
    assert x.type(tg.int64).dtype == tg.int64 and x.type("torch.IntTensor").dtype == tg.int32
    assert x.type_as(tg.ones(1, dtype=tg.float16)).dtype == tg.float16
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.element_size() == 8 and x.float().element_size() == 4


def test_devices():
    x = tg.ones(2)
    assert str(x.device) == "cpu" and x.device.type == "cpu" and x.device == tg.device("cpu")
    assert x.device == "cpu" and repr(tg.device("cpu")) == "device(type='cpu')"
    assert x.cpu() is x
    assert not tg.cuda.is_available() and not tg.backends.mps.is_available()
    device = "cuda" if tg.cuda.is_available() else "cpu"
    assert tg.ones(2, device=device).to(device).device.type == "cpu"
    for bad in ("cuda", "cuda:0", "mps", tg.device("cuda", 1)):
        with pytest.raises(DeviceError, match="NumPy on the CPU"):
            x.to(bad)
        with pytest.raises(DeviceError, match="NumPy on the CPU"):
            tg.zeros(2, device=bad)
    with pytest.raises(DeviceError, match="CUDA"):
        x.cuda()
    with pytest.raises(AssertionError):  # PyTorch's class when CUDA is missing
        x.cuda()


@pytest.mark.parametrize("dtype", [tg.float16, tg.float32, tg.float64, tg.int64, tg.long,
                                   tg.double, tg.half, tg.bool, "float32", np.int32, float])
def test_dtypes_accepted_by_factories_and_methods(dtype):
    want = np.dtype(dtype)
    assert tg.zeros(2, dtype=dtype).dtype == want
    assert tg.full((2,), 1, dtype=dtype).dtype == want
    assert tg.tensor([1, 0], dtype=dtype).dtype == want
    assert tg.ones(2).to(dtype).dtype == want and tg.ones(2).type(dtype).dtype == want
    assert tg.arange(3, dtype=dtype).dtype == want


def test_module_to():
    layer = tg.nn.Linear(2, 3)
    assert layer.to("cpu") is layer and layer.weight.dtype == tg.float32
    layer.to(tg.float64)
    assert layer.weight.dtype == tg.float64 and layer.bias.dtype == tg.float64
    layer.to("cpu", tg.float32)
    assert layer.weight.dtype == tg.float32
    assert layer.double().weight.dtype == tg.float64 and layer.cpu() is layer
    assert layer.to(dtype=tg.float32, device="cpu").weight.dtype == tg.float32
    with pytest.raises(DeviceError):
        layer.to("cuda")
