"""In-place initialisers with PyTorch's names, formulas and fan rules.

Each ``*_`` function overwrites the tensor in place under ``no_grad`` (keeping its dtype;
with the tensor's own ``normal_``, ``uniform_``, ``fill_``, so the change is versioned: a
backward through an op that saved the old values raises) and returns the tensor.  Random
ones draw float64 numbers from ``generator`` (a ``tinygrad_edu.Generator`` or a
``numpy.random.Generator``), by default the
global one that ``tinygrad_edu.manual_seed`` seeds.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), fan_in = in * prod(kernel)
and fan_out = out * prod(kernel).  So for `Linear` (weight (out, in)) fan_in is
``weight.shape[1]``; the articles store (in, out) matrices, whose fan_in is ``shape[0]``.

The articles' schemes, one line each (``w = layer.weight``)::

    nn.init.uniform_(w, -1.0, 1.0)                   # 000: uniform in [-1, 1]
    nn.init.kaiming_normal_(w, nonlinearity="linear")  # 001: randn / sqrt(fan_in)
    nn.init.normal_(w, 0.0, 0.1)                     # 002: normal(0, 0.1)
    nn.init.normal_(w, 0.0, 0.01)                    # 004: randn * 0.01
    nn.init.zeros_(layer.bias)                       # 004: zero biases
"""

from __future__ import annotations

import math

from ..autograd import no_grad
from ..random import GeneratorLike
from ..tensor import Tensor

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): 1 for linear and sigmoid,
    5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope =
    ``param``, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (shape[1], shape[0]) times the receptive field prod(shape[2:])."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {tensor.shape})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    # an empty tensor has fan 0; nothing is written into it, so any finite scale will do
    return max(fan_in if mode == "fan_in" else fan_out, 1)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: GeneratorLike = None) -> Tensor:
    """Fill with U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: GeneratorLike = None) -> Tensor:
    """Fill with N(mean, std^2) (``mean + std * standard_normal``, NumPy's stream)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: GeneratorLike = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / max(fan_in + fan_out, 1))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: GeneratorLike = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: GeneratorLike = None) -> Tensor:
    """He: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain =
    ``calculate_gain(nonlinearity, a)``, fan per ``mode``.  ``Linear``'s default,
    a = sqrt(5), gives bound = 1 / sqrt(fan_in)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def _reset_layer(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's ``reset_parameters`` of ``Linear`` and the convolutions: weight by
    ``kaiming_uniform_(a=sqrt(5))`` and bias from the same U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    (fan_in = weight.shape[1] times the kernel's size), with the global generator."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = _calculate_fan_in_and_fan_out(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: GeneratorLike = None) -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan), gain = ``calculate_gain(nonlinearity, a)``."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
