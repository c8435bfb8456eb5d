"""Loss layers: `Module` wrappers of the losses in `nn.functional` (same maths and shapes).

Options after the first are keyword-only, so an unsupported PyTorch argument passed by
position (``CrossEntropyLoss(class_weights)``) fails instead of landing in another slot.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .functional import Target
from .module import Module


def _as_buffer(value: Target | None) -> Tensor | None:
    return value if value is None or isinstance(value, Tensor) else Tensor(value)


class _Loss(Module):
    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error: (input - target)^2, reduced; input and target of equal shape."""

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |input - target|, reduced."""

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (logs clamped at -100); ``weight`` rescales
    each element and is a buffer, as in PyTorch."""

    def __init__(self, weight: Target | None = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _as_buffer(weight))

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, exact for any logit; ``weight`` and ``pos_weight``
    are buffers, as in PyTorch."""

    def __init__(self, weight: Target | None = None, *, reduction: str = "mean",
                 pos_weight: Target | None = None) -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (N, C, ...) with class-index or probability targets."""

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction=reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.cross_entropy(input, target, self.reduction, self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities (N, C, ...)."""

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.nll_loss(input, target, self.reduction)
