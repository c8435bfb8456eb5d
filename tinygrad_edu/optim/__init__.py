"""Optimizers with PyTorch's names, update rules and state-dict layout, plus a SciPy bridge.

``optimizer`` (`Optimizer` base), ``sgd`` (`SGD`), ``adam`` (`Adam`, `AdamW`),
``lr_scheduler`` (`StepLR`, `ExponentialLR`, `CosineAnnealingLR`), ``scipy_bridge``
(`minimize`, `Objective`: TNC, L-BFGS-B, Newton-CG ... on the flat parameter vector with
exact gradients and Hessian-vector products; needs SciPy).
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .scipy_bridge import Objective, minimize
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Objective", "Optimizer", "lr_scheduler", "minimize"]
