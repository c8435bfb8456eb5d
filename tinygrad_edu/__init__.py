"""tinygrad_edu: a small, fast, honest autograd framework on NumPy.

Layers (lower never import higher): ``tensor`` + ``autograd`` (the engine) -> ``ops`` ->
``nn`` / ``optim`` -> ``data`` -> tools (``gradcheck``, graph pictures) -> ``examples/``.
"""

from . import backends, cuda, ops
from .autograd import Function, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
                       arange,
                       as_tensor,
                       empty,
                       empty_like,
                       eye,
                       full,
                       full_like,
                       linspace,
                       logspace,
                       ones,
                       ones_like,
                       rand,
                       rand_like,
                       randint,
                       randint_like,
                       randn,
                       randn_like,
                       randperm,
                       tensor,
                       zeros,
                       zeros_like,
)
from .device import device
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
from .errors import DeviceError, DTypeError, ShapeError
from .interop import from_dlpack
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
                       tril,
                       triu,
                       unsqueeze,
                       var,
                       where,
)
from .promotion import promote_types, result_type
from .random import (
                       Generator,
                       default_generator,
                       get_rng_state,
                       initial_seed,
                       manual_seed,
                       seed,
                       set_rng_state,
)
from .tensor import Tensor, from_numpy, get_default_dtype, set_default_dtype

clamp = clip

__version__ = "0.1.0"

from . import nn, optim  # noqa: E402
from .serialization import load, save  # noqa: E402
from .tools.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
