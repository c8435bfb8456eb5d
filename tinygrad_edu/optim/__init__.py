"""Optimizers with PyTorch's names, update rules and state-dict layout, plus a SciPy bridge.

``optimizer`` (`Optimizer` base with the shared update loop, `to_torch_state_dict`),
``sgd`` (`SGD`), ``adam`` (`Adam`, `AdamW`, `Adamax`, `NAdam`, `RAdam`), ``adaptive``
(`Adagrad`, `RMSprop`, `Adadelta`), ``lr_scheduler`` (PyTorch's schedulers), ``scipy_bridge``
(`minimize`, `Objective`: TNC, L-BFGS-B, Newton-CG ... on the flat parameter vector with
exact gradients and Hessian-vector products; needs SciPy).
"""

from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .optimizer import Optimizer, to_torch_state_dict
from .scipy_bridge import Objective, minimize
from .sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Objective",
           "Optimizer", "RAdam", "RMSprop", "lr_scheduler", "minimize", "to_torch_state_dict"]
