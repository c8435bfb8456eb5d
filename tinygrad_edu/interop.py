"""NumPy, DLPack and Python-number interop, and dtype/device conversions, as Tensor methods.

* NumPy: ``np.asarray(t)`` is ``t.data`` itself (no copy, dtype kept; ``dtype=`` and
  ``copy=`` honoured); ``ndarray + t``, ``np.float64(2) * t`` and ``np.exp(t)`` run the
  framework's recorded op (so the graph is kept) wherever one exists under the ufunc's name
  (``np.add`` -> ``add``, ``np.absolute`` -> ``abs`` ...).  A ufunc with no recorded op
  (``np.sign``, ``np.add.reduce`` ...) computes on the data and returns a Tensor outside
  the graph, and refuses a tensor that requires grad (its gradient would be silently lost).
  PyTorch's ``__array_wrap__`` also returns a tensor there, and raises for any tensor that
  requires grad, even for ``np.exp``.
* DLPack: ``__dlpack__``/``__dlpack_device__`` and `from_dlpack`, zero-copy both ways
  (``torch.from_dlpack(t)``, ``np.from_dlpack(t)``, ``tg.from_dlpack(torch_tensor)``).
* Python numbers: ``f"{loss:.4f}"`` (0-d tensors, as PyTorch), ``__index__`` (integer
  one-element tensors), ``numpy(force=)``.
* ``.to(dtype | device | tensor)``, ``.type()``, ``.half() .long() ...``, ``.cpu()``,
  ``.device``: see `tinygrad_edu.device`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from . import dtypes, ops
from .device import CPU, as_device, device, to_args
from .errors import DeviceError
from .tensor import Tensor, _wrap, from_numpy

# ufunc name -> the framework's op of another name (the rest share NumPy's names)
_UFUNC_OPS = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
              "negative": "neg", "power": "pow", "absolute": "abs", "equal": "eq",
              "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
              "greater_equal": "ge"}


def _recorded_op(ufunc: np.ufunc) -> Any:
    fn = getattr(ops, _UFUNC_OPS.get(ufunc.__name__, ufunc.__name__), None)
    return fn if callable(fn) and not isinstance(fn, ModuleType | type) else None


def _array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any,
                 **kwargs: Any) -> Any:
    """A NumPy ufunc on tensors: the recorded op of that name, else a computation on the
    data that refuses tensors requiring grad (see the module docstring)."""
    if method == "__call__" and not kwargs:
        fn = _recorded_op(ufunc)
        if fn is not None:
            return fn(*inputs)
    out = kwargs.get("out", ())
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if any(isinstance(x, Tensor) for x in out):
        raise TypeError(f"{name}: out= a Tensor is not supported; assign the result instead")
    if any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise TypeError(f"{name}: no tinygrad_edu op records this, so its gradient would be "
                        f"lost; use a tinygrad_edu op, or detach() the tensor to compute on "
                        f"its data")
    result = getattr(ufunc, method)(*(x.data if isinstance(x, Tensor) else x
                                      for x in inputs), **kwargs)
    if out:
        return result
    if isinstance(result, tuple):
        return tuple(_wrap(np.asarray(r)) for r in result)
    return None if result is None else _wrap(np.asarray(result))


def _array(self: Tensor, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
    """``np.asarray(t)``: the tensor's own ndarray (shared memory), as ``t.numpy()``."""
    a = self.numpy()
    if dtype is not None and np.dtype(dtype) != a.dtype:
        if copy is False:
            raise ValueError(f"__array__: converting a {a.dtype} tensor to {np.dtype(dtype)} "
                             f"needs a copy, but copy=False was asked")
        return a.astype(dtype)
    return a.copy() if copy else a


def _dlpack(self: Tensor, *, stream: Any = None, max_version: tuple[int, int] | None = None,
            dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
    """The DLPack capsule of the data (zero-copy); refused for tensors that require grad,
    as in PyTorch."""
    if self.requires_grad:
        raise BufferError("__dlpack__: can't export a tensor that requires grad; use "
                          "tensor.detach()")
    return self.data.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device,
                                copy=copy)


def _dlpack_device(self: Tensor) -> tuple[int, int]:
    return self.data.__dlpack_device__()


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with any DLPack producer on the CPU (a PyTorch tensor, an
    ndarray ...), like ``torch.from_dlpack``."""
    return from_numpy(np.from_dlpack(ext_tensor))


def _format(self: Tensor, spec: str) -> str:
    """``f"{t:.4f}"``: a 0-d tensor formats as its number; others only with an empty spec
    (PyTorch's rule)."""
    if self.data.ndim == 0:
        return self.data.item().__format__(spec)
    if spec:
        raise TypeError("unsupported format string passed to Tensor.__format__ (only 0-d "
                        "tensors take a format spec, as in PyTorch; use .item())")
    return str(self)


def _index(self: Tensor) -> int:
    """``range(t)``, ``lst[t]``: integer (or bool) one-element tensors only, as PyTorch."""
    if self.data.size != 1 or self.data.dtype.kind not in "biu":
        raise TypeError(f"only integer tensors of a single element can be converted to an "
                        f"index (got shape {self.shape}, dtype {self.dtype})")
    return builtins.int(self.data.item())


# ----------------------------------------------------------------------------- dtype, device
def _to(self: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
        non_blocking: bool = False) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype and
    device), as PyTorch: the tensor itself when nothing changes (unless ``copy``); a
    conversion is a recorded cast (its gradient converted back)."""
    if len(args) > 2:
        raise TypeError(f"to() takes at most 2 positional arguments, got {len(args)}")
    if len(args) == 1 and isinstance(args[0], Tensor):
        args = (args[0].dtype,)
    dtype, device = to_args(args, dtype, device)
    as_device(device, "to")
    out = self if dtype is None else ops.astype(self, dtype)
    return ops.clone(out) if copy and out is self else out

_TYPE_NAMES = {dtypes.float32: "FloatTensor", dtypes.float64: "DoubleTensor",
               dtypes.float16: "HalfTensor", dtypes.int64: "LongTensor",
               dtypes.int32: "IntTensor", dtypes.int16: "ShortTensor",
               dtypes.int8: "CharTensor", dtypes.uint8: "ByteTensor",
               dtypes.bool: "BoolTensor", dtypes.complex64: "ComplexFloatTensor",
               dtypes.complex128: "ComplexDoubleTensor"}
_TYPE_DTYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def _type(self: Tensor, dtype: Any = None) -> str | Tensor:
    """Without an argument the type name (``'tinygrad_edu.FloatTensor'``); with a dtype or
    a type name (``'torch.LongTensor'`` too) the tensor converted to it."""
    if dtype is None:
        return f"tinygrad_edu.{_TYPE_NAMES.get(self.dtype, str(self.dtype))}"
    if isinstance(dtype, str) and dtype.rpartition(".")[2] in _TYPE_DTYPES:
        dtype = _TYPE_DTYPES[dtype.rpartition(".")[2]]
    return ops.astype(self, dtype)


def _cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    raise DeviceError("cuda(): tinygrad_edu runs on NumPy on the CPU; there is no CUDA "
                      "device (tinygrad_edu.cuda.is_available() is False)")


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor converted to ``other``'s dtype (itself if it already has it)."""
    return ops.astype(self, other.dtype)


def _cpu(self: Tensor) -> Tensor:
    """The tensor itself: it already is on the CPU."""
    return self


def _device(self: Tensor) -> device:
    """``device(type='cpu')``, the only device."""
    return CPU


def _is_floating_point(self: Tensor) -> bool:
    """Whether the dtype is a float one (float16/32/64)."""
    return self.data.dtype.kind == "f"


def _is_complex(self: Tensor) -> bool:
    """Whether the dtype is complex."""
    return self.data.dtype.kind == "c"


def _element_size(self: Tensor) -> int:
    """Bytes per element."""
    return self.data.itemsize


def _nbytes(self: Tensor) -> int:
    """Bytes of the data (``numel() * element_size()``)."""
    return self.data.nbytes


def _converter(name: str, dtype: np.dtype) -> Callable[[Tensor], Tensor]:
    def convert(self: Tensor) -> Tensor:
        return ops.astype(self, dtype)
    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"``to({dtype})`` (the tensor itself if it already is)."
    return convert


def _bind() -> None:
    T: Any = Tensor  # the stub declares these attributes; this table defines them
    T.__array_priority__ = 1000
    T.__array_ufunc__ = _array_ufunc
    T.__array__ = _array
    T.__dlpack__ = _dlpack
    T.__dlpack_device__ = _dlpack_device
    T.__format__ = _format
    T.__index__ = _index
    T.to, T.type = _to, _type
    T.type_as, T.cpu, T.cuda = _type_as, _cpu, _cuda
    T.device, T.nbytes, T.itemsize = property(_device), property(_nbytes), property(_element_size)
    T.is_floating_point, T.is_complex = _is_floating_point, _is_complex
    T.element_size = _element_size
    for name, dtype in (("half", dtypes.half), ("long", dtypes.long), ("int", dtypes.int32),
                        ("short", dtypes.short), ("char", dtypes.int8),
                        ("byte", dtypes.uint8), ("bool", dtypes.bool)):
        setattr(T, name, _converter(name, dtype))


_bind()
