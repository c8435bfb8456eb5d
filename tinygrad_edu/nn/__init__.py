"""Neural-network layers, losses and initialisers with PyTorch's names and state-dict layouts.

``import tinygrad_edu.nn as nn`` and ``import tinygrad_edu.nn.functional as F`` work as in
PyTorch.  Modules (one concept per file): ``module`` (`Module`), ``parameter``
(`Parameter`), ``linear`` (`Linear`, `Identity`), ``container`` (`Sequential`),
``dropout``, ``flatten``, ``activation``, ``loss``; stateless maths in ``functional``,
fused ops in ``fused``, initialisers in ``init``, parameter helpers in ``utils``.
"""

from . import functional, init, utils
from .activation import (
                         CELU,
                         ELU,
                         GELU,
                         GLU,
                         SELU,
                         Hardsigmoid,
                         Hardswish,
                         Hardtanh,
                         LeakyReLU,
                         LogSigmoid,
                         LogSoftmax,
                         Mish,
                         PReLU,
                         ReLU,
                         ReLU6,
                         Sigmoid,
                         SiLU,
                         Softmax,
                         Softmin,
                         Softplus,
                         Softsign,
                         Tanh,
)
from .container import Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
                         "CELU",
                         "ELU",
                         "GELU",
                         "GLU",
                         "SELU",
                         "BCELoss",
                         "BCEWithLogitsLoss",
                         "CrossEntropyLoss",
                         "Dropout",
                         "Flatten",
                         "Hardsigmoid",
                         "Hardswish",
                         "Hardtanh",
                         "Identity",
                         "L1Loss",
                         "LeakyReLU",
                         "Linear",
                         "LogSigmoid",
                         "LogSoftmax",
                         "MSELoss",
                         "Mish",
                         "Module",
                         "NLLLoss",
                         "PReLU",
                         "Parameter",
                         "ReLU",
                         "ReLU6",
                         "Sequential",
                         "SiLU",
                         "Sigmoid",
                         "Softmax",
                         "Softmin",
                         "Softplus",
                         "Softsign",
                         "Tanh",
                         "functional",
                         "init",
                         "utils",
]
