"""`Linear` (y = x W^T + b, PyTorch's layout and default init) and `Identity`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input (a placeholder layer); ignores constructor arguments like PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x @ weight^T + bias: x (..., in_features) -> y (..., out_features).

    ``weight`` is (out_features, in_features) and ``bias`` (out_features,), as in PyTorch,
    both drawn from U(-1/sqrt(in_features), 1/sqrt(in_features)) (PyTorch's
    ``kaiming_uniform_(a=sqrt(5))``) with the global generator.  ``dtype`` defaults to the
    default float dtype.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from PyTorch's default distribution."""
        init._reset_layer(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        try:  # checked only on failure: nothing on the per-sample path
            return F.linear(input, self.weight, self.bias)
        except ValueError as e:
            shape = tuple(input.shape)
            if shape[-1:] == (self.in_features,):
                raise
            raise ShapeError(f"{self!r}: input has {shape[-1] if shape else 'no'} features "
                             f"(shape {shape}); expected (*, {self.in_features})") from e

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
