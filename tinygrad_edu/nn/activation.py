"""Activation layers: thin `Module` wrappers of `nn.functional`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, get_default_dtype
from . import functional as F
from .module import Module
from .parameter import Parameter


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh x, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class ReLU(Module):
    """max(x, 0), elementwise; ``inplace=True`` overwrites the input (``relu_``), as
    PyTorch's ``nn.ReLU(inplace=True)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return input.relu_() if self.inplace else F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x, elementwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^x / sum(e^x) along ``dim`` (required: 1 for (N, C) scores)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)


class _Activation(Module):
    """``function(input, *options)``, the options being attributes named in ``options``
    (and shown by the repr, PyTorch's way: ``ELU(alpha=1.0)``)."""

    function: Callable[..., Tensor]
    options: tuple[str, ...] = ()

    def forward(self, input: Tensor) -> Tensor:
        return type(self).function(input, *(getattr(self, o) for o in self.options))

    def extra_repr(self) -> str:
        return ", ".join(f"{o}={getattr(self, o)!r}" for o in self.options)


def _activation(name: str, function: Callable[..., Tensor], doc: str) -> type[_Activation]:
    """An option-less activation layer."""
    return type(name, (_Activation,), {"function": staticmethod(function), "__doc__": doc,
                                       "__module__": __name__})


SiLU = _activation("SiLU", F.silu, "x sigmoid(x), elementwise.")
Mish = _activation("Mish", F.mish, "x tanh(softplus(x)), elementwise.")
SELU = _activation("SELU", F.selu, "scale * (x if x > 0 else alpha (e^x - 1)), elementwise.")
ReLU6 = _activation("ReLU6", F.relu6, "min(max(x, 0), 6), elementwise.")
Hardsigmoid = _activation("Hardsigmoid", F.hardsigmoid, "relu6(x + 3) / 6, elementwise.")
Hardswish = _activation("Hardswish", F.hardswish, "x relu6(x + 3) / 6, elementwise.")
Softsign = _activation("Softsign", F.softsign, "x / (1 + |x|), elementwise.")
LogSigmoid = _activation("LogSigmoid", F.logsigmoid, "log sigmoid(x), elementwise, stable.")


class GELU(_Activation):
    """x Phi(x) (``approximate='none'``) or its tanh approximation (``'tanh'``)."""

    function = staticmethod(F.gelu)
    options = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate


class ELU(_Activation):
    """x if x > 0 else alpha (e^x - 1), elementwise."""

    function = staticmethod(F.elu)
    options = ("alpha",)

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha


class CELU(ELU):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)), elementwise."""

    function = staticmethod(F.celu)


class Hardtanh(_Activation):
    """x clipped to [min_val, max_val], elementwise."""

    function = staticmethod(F.hardtanh)
    options = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        super().__init__()
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be larger than min_val "
                             f"({min_val})")
        self.min_val, self.max_val = min_val, max_val


class Softmin(_Activation):
    """softmax(-x) along ``dim``."""

    function = staticmethod(F.softmin)
    options = ("dim",)

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim


class GLU(Softmin):
    """a * sigmoid(b) for the halves a, b of the input along ``dim`` (default -1)."""

    function = staticmethod(F.glu)

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim)


class PReLU(Module):
    """x if x > 0 else a x, with a learnable ``weight`` a of shape (num_parameters,), all
    ``init`` at first: one slope, or one per channel (axis 1 of the input)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
