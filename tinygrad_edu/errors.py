"""The framework's exceptions.

PyTorch code catches ``RuntimeError`` where NumPy-minded code catches ``ValueError`` or
``TypeError``; a shape or dtype error here is both, so either kind of code sees it.
Index errors (a ``dim`` out of range) stay plain ``IndexError``, as in PyTorch.
"""

from __future__ import annotations


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit an op or module; the message names it and the shapes."""


class DTypeError(RuntimeError, TypeError):
    """A dtype an op or module cannot take; the message names it and the dtypes."""


class DeviceError(RuntimeError, AssertionError):
    """A device other than the CPU (PyTorch raises AssertionError for a missing CUDA)."""
