"""Devices, as far as a NumPy framework has them: everything lives on the CPU.

``tinygrad_edu.device("cpu")`` is PyTorch's ``torch.device``: ``str(d) == "cpu"``,
``d.type == "cpu"``.  Other device names (``"cuda"``, ``"mps"`` ...) make a device object
too (so code can name them), but any tensor or module sent there raises `DeviceError`:
the framework runs on NumPy on the CPU.  ``tinygrad_edu.cuda.is_available()`` and
``tinygrad_edu.backends.mps.is_available()`` are False, so the usual
``device = "cuda" if tg.cuda.is_available() else "cpu"`` picks the CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DeviceError


class device:
    """A device: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``."""

    __slots__ = ("index", "type")
    type: str
    index: int | None

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            index = type.index if index is None else index
            type = type.type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(number)
        if not name or not name.isidentifier():
            raise RuntimeError(f"device: invalid device string {type!r}")
        self.type, self.index = name, index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type,
                                                                         other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def as_device(where: Any, op: str) -> device:
    """``where`` (a device, a string or None) checked to be the CPU; `DeviceError` naming
    ``op`` otherwise."""
    if where is None:
        return CPU
    d = where if isinstance(where, device) else device(where) if isinstance(where, str) \
        else None
    if d is None:
        raise TypeError(f"{op}: device must be a string like 'cpu' or a tinygrad_edu.device, "
                        f"got {type(where).__name__}")
    if d.type != "cpu":
        raise DeviceError(
            f"{op}: device {str(d)!r} is not available: tinygrad_edu runs on NumPy on the "
            f"CPU, the only device is 'cpu' (pick it with: device = 'cuda' if "
            f"tinygrad_edu.cuda.is_available() else 'cpu')")
    return CPU


def to_args(args: tuple, dtype: Any, device_: Any) -> tuple[Any, Any]:
    """Sort ``to()``'s positional arguments into (dtype, device): a device object or a
    string that is not a NumPy dtype name is a device, anything else a dtype."""
    for a in args:
        if isinstance(a, device) or (isinstance(a, str) and not _is_dtype_name(a)):
            device_ = a
        else:
            dtype = a
    return dtype, device_


def _is_dtype_name(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True
