"""`Adam` and `AdamW`: PyTorch's update rules, bias correction and optional AMSGrad."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import new_version
from .optimizer import Optimizer, ParamGroups


class Adam(Optimizer):
    """Adam, exactly ``torch.optim.Adam``'s update.  Per parameter p with gradient g, at
    step t = 1, 2, ...::

        g = g + weight_decay * p                    (L2; AdamW decays p instead, below)
        m = beta1 m + (1 - beta1) g                 v = beta2 v + (1 - beta2) g^2
        v_max = max(v_max, v)                       (amsgrad; then v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    ``state[p]`` holds ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and with amsgrad
    ``max_exp_avg_sq``.  ``decoupled_weight_decay=True`` is AdamW: p = p (1 - lr
    weight_decay) before the update and no L2 term in g.
    """

    def __init__(self, params: ParamGroups, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 decoupled_weight_decay: bool = False) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._eval_closure(closure)
        version = new_version()  # graphs recorded before the step can't backward through p
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                g, x = grad.data, p.data
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(x),
                                             "exp_avg_sq": np.zeros_like(x)}
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(x)
                state["step"] = t = state["step"] + 1
                if weight_decay != 0:
                    if decoupled:
                        x *= 1 - lr * weight_decay
                    else:
                        g = g + weight_decay * x
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * (g * g)
                if amsgrad:
                    v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                denom = np.sqrt(v)
                denom /= math.sqrt(1 - beta2**t)
                denom += eps
                update = np.divide(m, denom, out=denom)
                update *= lr / (1 - beta1**t)
                x -= update
                p._version = version
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2): p = p (1 - lr weight_decay), then
    the Adam update without an L2 term.  ``torch.optim.AdamW``'s rule."""

    def __init__(self, params: ParamGroups, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad,
                         decoupled_weight_decay=True)
