"""Factory functions: ``zeros ones full eye arange rand randn`` and their ``*_like`` forms.

Shapes are given as ``zeros(2, 3)`` or ``zeros((2, 3))``.  Float results use the default
dtype (float32 unless ``set_default_dtype`` changed it); random ones draw from the global
generator (``manual_seed``) unless a ``numpy.random.Generator`` is passed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .random import default_generator
from .tensor import Tensor, _to_array, get_default_dtype


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def _make(data: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad,
                  dtype=get_default_dtype() if dtype is None else dtype)


def zeros(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make(np.zeros(_shape(shape)), dtype, requires_grad)


def ones(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(np.ones(_shape(shape)), dtype, requires_grad)


def full(shape: tuple[int, ...] | int, fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype, unless given, follows the value as in
    PyTorch (a Python float: the default dtype, an int: int64, a bool: bool)."""
    if dtype is None:
        dtype = _to_array(fill_value, None).dtype
    return _make(np.full(shape, fill_value), dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix."""
    return _make(np.eye(n, m), dtype, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); int64 for integer arguments, like PyTorch."""
    data = np.arange(start, end, step) if end is not None else np.arange(0, start, step)
    if dtype is None and data.dtype.kind in "iu":
        dtype = np.int64
    return _make(data, dtype, requires_grad)


def rand(*shape: int, dtype: Any = None, requires_grad: bool = False,
         generator: np.random.Generator | None = None) -> Tensor:
    """Uniform samples from [0, 1)."""
    gen = generator or default_generator()
    return _make(gen.random(_shape(shape)), dtype, requires_grad)


def randn(*shape: int, dtype: Any = None, requires_grad: bool = False,
          generator: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples."""
    gen = generator or default_generator()
    return _make(gen.standard_normal(_shape(shape)), dtype, requires_grad)


def _like(fn):
    def like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return fn(t.shape, dtype=t.dtype if dtype is None else dtype,
                  requires_grad=requires_grad)
    like.__name__ = f"{fn.__name__}_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and by default the dtype) of ``t``."
    return like


zeros_like, ones_like, rand_like, randn_like = (_like(f) for f in (zeros, ones, rand, randn))


def full_like(t: Tensor, fill_value: float, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``full`` with the shape (and by default the dtype) of ``t``."""
    return full(t.shape, fill_value, dtype=t.dtype if dtype is None else dtype,
                requires_grad=requires_grad)
