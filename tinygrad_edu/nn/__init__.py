"""Neural-network layers, losses and initialisers with PyTorch's names and state-dict layouts.

``import tinygrad_edu.nn as nn`` and ``import tinygrad_edu.nn.functional as F`` work as in
PyTorch.  Modules (one concept per file): ``module`` (`Module`), ``parameter``
(`Parameter`), ``linear`` (`Linear`, `Identity`), ``container`` (`Sequential`),
``dropout``, ``flatten``, ``activation``, ``loss``; stateless maths in ``functional``,
fused ops in ``fused``, initialisers in ``init``, parameter helpers in ``utils``.
"""

from . import functional, init, utils
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .container import Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "NLLLoss", "Parameter",
    "ReLU", "Sequential", "Sigmoid", "Softmax", "Softplus", "Tanh", "functional", "init",
    "utils",
]
