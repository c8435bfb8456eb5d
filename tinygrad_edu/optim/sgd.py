"""`SGD` with momentum, dampening, Nesterov momentum and L2 weight decay: PyTorch's rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import new_version, stamp
from .optimizer import Optimizer, ParamGroups, StepScalars, _capture, check_non_negative


class SGD(Optimizer):
    """Stochastic gradient descent, exactly ``torch.optim.SGD``'s update.  Per parameter p
    with gradient g::

        g = g + weight_decay * p                       (if weight_decay)
        buf = g on the first step, else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf    (if momentum)
        p = p - lr * g

    ``state[p]['momentum_buffer']`` holds buf (with momentum only); ``maximize`` ascends
    (g = -g first).  SGD runs its own loop rather than `Optimizer.step`'s: it is the hot
    path of per-sample training, so it reads each group's options once and allocates
    nothing per step.
    """

    def __init__(self, params: ParamGroups, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))
        self._scratch: dict[Any, np.ndarray] = {}

    _scalars_change_state = False
    _scalar_options = frozenset({"lr", "momentum"})  # OneCycleLR cycles the momentum
    _structural_scalars = frozenset({"momentum"})    # 0: no buffer at all
    _scratch_attrs = frozenset({"_scratch"})        # lr * g, read by the same step only

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """SGD counts no steps: just ``lr`` and ``momentum``."""
        return {"lr": group["lr"], "momentum": group["momentum"]}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._eval_closure(closure)
        scratch = self._scratch
        version = new_version()  # graphs recorded before the step can't backward through p
        capture = _capture.hook
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            maximize = group.get("maximize", False)
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if capture is not None:  # first: it may swap p's arrays for traced ones
                    scalars = capture(self, group, p, self._step_scalars(group, {}))
                    lr, momentum = scalars["lr"], scalars["momentum"]
                g = -grad.data if maximize else grad.data
                if weight_decay != 0:
                    g = g + weight_decay * p.data
                if momentum != 0:
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(g, dtype=p.data.dtype)
                    else:
                        buf *= momentum
                        buf += g if dampening == 0 else (1 - dampening) * g
                    g = g + momentum * buf if nesterov else buf
                # lr * g into a buffer kept per parameter (not part of the state): the update
                # allocates nothing, as PyTorch's p.add_(g, alpha=-lr).  A fresh temporary the
                # size of a weight matrix on every step costs page faults whenever the C
                # allocator has handed the memory back to the OS (measured: a fifth of a
                # batch-64 MNIST step on a VM).
                scaled = scratch.get(p)
                if scaled is None or scaled.shape != g.shape or scaled.dtype != g.dtype:
                    scaled = scratch[p] = np.empty_like(g)
                p.data -= np.multiply(g, lr, out=scaled)
                stamp(p.data, version)
        return loss
