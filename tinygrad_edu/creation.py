"""Factory functions with PyTorch's names, arguments and dtype rules.

``tensor as_tensor zeros ones empty full eye arange linspace logspace rand randn randint
randperm`` and the ``*_like`` forms.  Shapes are given as ``zeros(2, 3)`` or
``zeros((2, 3))``.  Float results use the default dtype (float32 unless
``set_default_dtype`` changed it); integer-valued ``arange`` and ``randint`` give int64.
Every factory takes ``dtype=``, ``device=`` ("cpu" or a ``tinygrad_edu.device``; anything
else raises, see ``tinygrad_edu.device``) and ``requires_grad=``; random ones take
``generator=`` (a ``tinygrad_edu.Generator``, by default the global one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .device import as_device
from .random import GeneratorLike, numpy_rng
from .tensor import Tensor, _to_array, _wrap, get_default_dtype

Device = Any  # "cpu" or a tinygrad_edu.device


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def _dtype(dtype: Any, default: Any = None) -> np.dtype:
    """``dtype`` as given, else ``default``, else the default float dtype."""
    return np.dtype(dtype if dtype is not None else
                    default if default is not None else get_default_dtype())


def _make(op: str, data: np.ndarray, dtype: Any, device: Device, requires_grad: bool,
          default: Any = None) -> Tensor:
    """A new leaf holding ``data`` converted to `_dtype` (``dtype``, ``default``); checks
    the device."""
    as_device(device, op)
    dtype = _dtype(dtype, default)
    t = _wrap(data if data.dtype == dtype else data.astype(dtype))
    return t.requires_grad_(True) if requires_grad else t


def tensor(data: Any, *, dtype: Any = None, device: Device = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (``torch.tensor``): Python floats give the
    default dtype, ints int64, bools bool; an ndarray or tensor keeps its dtype."""
    as_device(device, "tensor")
    t = _wrap(_to_array(data, dtype))  # a copy
    return t.requires_grad_(True) if requires_grad else t


def as_tensor(data: Any, dtype: Any = None, device: Device = None) -> Tensor:
    """``data`` as a tensor, sharing memory where it can (``torch.as_tensor``): a tensor of
    the right dtype is returned as is, an ndarray of the right dtype is wrapped without a
    copy, anything else is converted."""
    as_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return _wrap(data)
    return _wrap(_to_array(data, dtype))


def zeros(*size: int, dtype: Any = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make("zeros", np.zeros(_shape(size), _dtype(dtype)), dtype, device, requires_grad)


def ones(*size: int, dtype: Any = None, device: Device = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make("ones", np.ones(_shape(size), _dtype(dtype)), dtype, device, requires_grad)


def empty(*size: int, dtype: Any = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor with uninitialised values (whatever the memory held)."""
    return _make("empty", np.empty(_shape(size), _dtype(dtype)), dtype, device, requires_grad)


def full(size: tuple[int, ...] | int, fill_value: float, *, dtype: Any = None,
         device: Device = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype, unless given, follows the value as in
    PyTorch (a Python float: the default dtype, an int: int64, a bool: bool)."""
    value = _to_array(fill_value, dtype)
    return _make("full", np.full(size, value, dtype=value.dtype), dtype, device, requires_grad,
                 default=value.dtype)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Device = None,
        requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix (m = n by default)."""
    return _make("eye", np.eye(n, m), dtype, device, requires_grad)


def _is_float(x: Any) -> bool:
    return isinstance(x, float | np.floating) or (isinstance(x, Tensor | np.ndarray)
                                                  and x.dtype.kind == "f")


def arange(start: float, end: float | None = None, step: float = 1, *, dtype: Any = None,
           device: Device = None, requires_grad: bool = False) -> Tensor:
    """Values start, start + step, ... below ``end`` (``arange(end)`` starts at 0).

    As in PyTorch the dtype is int64 when start, end and step are all integers, else the
    default float dtype; ``dtype=`` overrides.
    """
    if end is None:
        start, end = 0, start
    args = [a.item() if isinstance(a, Tensor) else a for a in (start, end, step)]
    if args[2] == 0:
        raise ValueError("arange: step must be nonzero")
    floating = any(_is_float(a) for a in (start, end, step))
    return _make("arange", np.arange(*args), dtype, device, requires_grad,
                 default=None if floating else np.int64)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None,
             device: Device = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    return _make("linspace", np.linspace(start, end, steps), dtype, device, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Device = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    if steps < 0:
        raise ValueError(f"logspace: number of steps must be non-negative, got {steps}")
    return _make("logspace", np.logspace(start, end, steps, base=base), dtype, device,
                 requires_grad)


def rand(*size: int, generator: GeneratorLike = None, dtype: Any = None,
         device: Device = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1)."""
    return _make("rand", numpy_rng(generator).random(_shape(size)), dtype, device,
                 requires_grad)


def randn(*size: int, generator: GeneratorLike = None, dtype: Any = None,
          device: Device = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    return _make("randn", numpy_rng(generator).standard_normal(_shape(size)), dtype, device,
                 requires_grad)


def _randint_bounds(args: tuple) -> tuple[int, int, tuple[int, ...]]:
    """PyTorch's ``randint(high, size)`` or ``randint(low, high, size)``."""
    if len(args) == 2:
        return 0, args[0], tuple(args[1])
    if len(args) == 3:
        return args[0], args[1], tuple(args[2])
    raise TypeError(f"randint: expected (high, size) or (low, high, size), got {len(args)} "
                    f"arguments")


def randint(*args: Any, generator: GeneratorLike = None, dtype: Any = None,
            device: Device = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    low, high, shape = _randint_bounds(args)
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    return _make("randint", numpy_rng(generator).integers(low, high, shape), dtype, device,
                 requires_grad, default=np.int64)


def randperm(n: int, *, generator: GeneratorLike = None, dtype: Any = None,
             device: Device = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64)."""
    return _make("randperm", numpy_rng(generator).permutation(n), dtype, device,
                 requires_grad, default=np.int64)


# ----------------------------------------------------------------------------- *_like
def _like(fn):
    def like(input: Tensor, *, dtype: Any = None, device: Device = None,
             requires_grad: bool = False, **kwargs: Any) -> Tensor:
        return fn(input.shape, dtype=input.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad, **kwargs)
    like.__name__ = like.__qualname__ = f"{fn.__name__}_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and by default the dtype) of ``input``."
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)
rand_like, randn_like = _like(rand), _like(randn)


def full_like(input: Tensor, fill_value: float, *, dtype: Any = None, device: Device = None,
              requires_grad: bool = False) -> Tensor:
    """``full`` with the shape (and by default the dtype) of ``input``."""
    return full(input.shape, fill_value, dtype=input.dtype if dtype is None else dtype,
                device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, *args: int, generator: GeneratorLike = None,
                 dtype: Any = None, device: Device = None,
                 requires_grad: bool = False) -> Tensor:
    """``randint`` with the shape (and by default the dtype) of ``input``:
    ``randint_like(x, high)`` or ``randint_like(x, low, high)``."""
    return randint(*args, input.shape, generator=generator,
                   dtype=input.dtype if dtype is None else dtype, device=device,
                   requires_grad=requires_grad)

