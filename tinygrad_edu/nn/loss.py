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

    weight: Tensor | None  # a buffer

    def __init__(self, weight: Target | None = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _as_buffer(weight))

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, exact for any logit; ``weight`` and ``pos_weight``
    are buffers, as in PyTorch."""

    weight: Tensor | None  # buffers
    pos_weight: Tensor | None

    def __init__(self, weight: Target | None = None, *, reduction: str = "mean",
                 pos_weight: Target | None = None) -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (N, C, ...) with class-index or probability targets;
    ``weight`` (C,) rescales each class and is a buffer; targets equal to ``ignore_index``
    count for nothing (PyTorch's weighted mean)."""

    weight: Tensor | None  # a buffer

    def __init__(self, weight: Target | None = None, *, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities (N, C, ...);
    ``weight`` and ``ignore_index`` as in `CrossEntropyLoss`."""

    weight: Tensor | None  # a buffer

    def __init__(self, weight: Target | None = None, *, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class HuberLoss(_Loss):
    """0.5 d^2 if |d| < delta else delta (|d| - delta / 2), d = input - target."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta if |d| < beta else |d| - beta / 2 (L1 for beta = 0)."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, beta=self.beta)


class KLDivLoss(_Loss):
    """KL divergence of ``target`` (probabilities, or log-probabilities with
    ``log_target``) from the log-probabilities ``input``; use ``reduction='batchmean'``
    for the per-sample divergence ('mean' averages over every element, and warns)."""

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Target) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)
