"""tinygrad_edu: a small, fast, honest autograd framework on NumPy.

Layers (lower never import higher): ``tensor`` + ``autograd`` (the engine) -> ``ops`` ->
``nn`` / ``optim`` -> ``data`` -> tools (``gradcheck``, graph pictures) -> ``examples/``.
"""

import sys

from . import ops
from .autograd import Function, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
                       arange,
                       eye,
                       full,
                       full_like,
                       ones,
                       ones_like,
                       rand,
                       rand_like,
                       randn,
                       randn_like,
                       zeros,
                       zeros_like,
)
from .dtypes import (
                       bool,
                       cdouble,
                       cfloat,
                       complex64,
                       complex128,
                       double,
                       float,
                       float16,
                       float32,
                       float64,
                       half,
                       int,
                       int8,
                       int16,
                       int32,
                       int64,
                       long,
                       short,
                       uint8,
)
from .errors import DTypeError, ShapeError
from .ops import (
                       abs,
                       add,
                       argmax,
                       argmin,
                       astype,
                       broadcast_to,
                       cat,
                       clip,
                       concatenate,
                       div,
                       eq,
                       exp,
                       expand,
                       flatten,
                       ge,
                       gt,
                       le,
                       leaky_relu,
                       log,
                       log_softmax,
                       logsumexp,
                       lt,
                       matmul,
                       max,
                       maximum,
                       mean,
                       min,
                       minimum,
                       mul,
                       ne,
                       neg,
                       permute,
                       pow,
                       relu,
                       reshape,
                       sigmoid,
                       softmax,
                       softplus,
                       sqrt,
                       squeeze,
                       stack,
                       std,
                       sub,
                       sum,
                       swapaxes,
                       tanh,
                       transpose,
                       unsqueeze,
                       var,
                       where,
)
from .random import default_generator, manual_seed
from .tensor import Tensor, from_numpy, get_default_dtype, set_default_dtype, tensor

clamp = clip

__version__ = "0.1.0"

from . import autograd, autograd_functional, nn, optim  # noqa: E402

# torch.autograd.functional's place: tinygrad_edu.autograd.functional (autograd.py is a
# module, so the submodule is registered by hand; `import tinygrad_edu.autograd.functional`
# works too)
autograd.functional = autograd_functional
sys.modules[__name__ + ".autograd.functional"] = autograd_functional
from .serialization import load, save  # noqa: E402
from .tools.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
