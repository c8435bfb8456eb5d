"""Neural-network layers, losses and initialisers with PyTorch's names and state-dict layouts.

``import tinygrad_edu.nn as nn`` and ``import tinygrad_edu.nn.functional as F`` work as in
PyTorch.  Modules (one concept per file): ``module`` (`Module`), ``parameter``
(`Parameter`), ``linear`` (`Linear`, `Identity`),
``conv`` (`Conv1d`, `Conv2d`, `ConvTranspose2d`), ``container`` (`Sequential`,
`ModuleList` ...), ``dropout``, ``flatten`` (`Flatten`, `Unflatten`), ``activation``,
``loss``, ``normalization`` (`LayerNorm`, `BatchNorm1d`, `BatchNorm2d`), ``pooling``
(`MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`), ``padding`` (`ZeroPad2d` ...), ``sparse``
(`Embedding`), ``hooks`` (module hooks); stateless
maths in ``functional``, fused ops in ``fused``, initialisers in ``init``, parameter helpers
(flat vectors, gradient clipping) in ``utils``.
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
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .distance import CosineSimilarity
from .dropout import Dropout, Dropout2d
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
                         BCELoss,
                         BCEWithLogitsLoss,
                         CosineEmbeddingLoss,
                         CrossEntropyLoss,
                         HuberLoss,
                         KLDivLoss,
                         L1Loss,
                         MSELoss,
                         NLLLoss,
                         SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .padding import ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad2d
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .sparse import Embedding

__all__ = [
                         "CELU",
                         "ELU",
                         "GELU",
                         "GLU",
                         "SELU",
                         "AdaptiveAvgPool2d",
                         "AvgPool2d",
                         "BCELoss",
                         "BCEWithLogitsLoss",
                         "BatchNorm1d",
                         "BatchNorm2d",
                         "ConstantPad2d",
                         "Conv1d",
                         "Conv2d",
                         "ConvTranspose2d",
                         "CosineEmbeddingLoss",
                         "CosineSimilarity",
                         "CrossEntropyLoss",
                         "Dropout",
                         "Dropout2d",
                         "Embedding",
                         "Flatten",
                         "Hardsigmoid",
                         "Hardswish",
                         "Hardtanh",
                         "HuberLoss",
                         "Identity",
                         "KLDivLoss",
                         "L1Loss",
                         "LayerNorm",
                         "LeakyReLU",
                         "Linear",
                         "LogSigmoid",
                         "LogSoftmax",
                         "MSELoss",
                         "MaxPool2d",
                         "Mish",
                         "Module",
                         "ModuleDict",
                         "ModuleList",
                         "NLLLoss",
                         "PReLU",
                         "Parameter",
                         "ParameterDict",
                         "ParameterList",
                         "ReLU",
                         "ReLU6",
                         "ReflectionPad2d",
                         "ReplicationPad2d",
                         "Sequential",
                         "SiLU",
                         "Sigmoid",
                         "SmoothL1Loss",
                         "Softmax",
                         "Softmin",
                         "Softplus",
                         "Softsign",
                         "Tanh",
                         "Unflatten",
                         "ZeroPad2d",
                         "functional",
                         "init",
                         "utils",
]
