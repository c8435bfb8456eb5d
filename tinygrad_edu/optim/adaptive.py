"""Per-coordinate step sizes from accumulated squared gradients: `Adagrad`, `RMSprop`,
`Adadelta`.  PyTorch's update rules, defaults and state names."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroups, StepScalars, check_non_negative


class Adagrad(Optimizer):
    """Adagrad, ``torch.optim.Adagrad``'s update.  Per parameter p with gradient g, at step t::

        g = g + weight_decay * p
        s = s + g^2                          (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)

    ``state[p]``: ``step`` (t) and ``sum`` (s), created for every parameter at construction
    as in PyTorch.
    """

    def __init__(self, params: ParamGroups, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._init_state(p.data, group)

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "sum": np.full_like(x, group["initial_accumulator_value"])}

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """lr, then the decayed rate ``clr`` = lr / (1 + (t - 1) lr_decay)."""
        scalars = super()._step_scalars(group, state)
        scalars["clr"] = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        return scalars

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        g = self._decay(x, g, group, scalars)
        s = state["sum"]
        s += g * g
        x -= scalars["clr"] * (g / (np.sqrt(s) + group["eps"]))


class RMSprop(Optimizer):
    """RMSprop, ``torch.optim.RMSprop``'s update::

        g = g + weight_decay * p
        v = alpha v + (1 - alpha) g^2
        centered:  a = alpha a + (1 - alpha) g;  d = sqrt(v - a^2) + eps   else d = sqrt(v) + eps
        momentum:  b = momentum b + g / d;  p = p - lr b         else p = p - lr g / d

    ``state[p]``: ``step``, ``square_avg`` (v), ``grad_avg`` (a, centered),
    ``momentum_buffer`` (b, momentum > 0).  v - a^2 >= 0 in exact arithmetic; a rounding
    below 0 is clipped to 0 (PyTorch would give NaN).
    """

    def __init__(self, params: ParamGroups, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                           alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0, "square_avg": np.zeros_like(x)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(x)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(x)
        return state

    _scalar_options = frozenset({"lr", "momentum"})  # OneCycleLR cycles the momentum
    _structural_scalars = frozenset({"momentum"})

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """lr, then the momentum (schedulers may change it)."""
        return {**super()._step_scalars(group, state), "momentum": group["momentum"]}

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        alpha, lr, momentum = group["alpha"], scalars["lr"], scalars["momentum"]
        g = self._decay(x, g, group, scalars)
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * (g * g)
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            a += (1 - alpha) * g
            denom = np.sqrt(np.maximum(v - a * a, 0.0))
        else:
            denom = np.sqrt(v)
        denom += group["eps"]
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += g / denom
            x -= lr * b
        else:
            x -= lr * (g / denom)


class Adadelta(Optimizer):
    """Adadelta, ``torch.optim.Adadelta``'s update::

        g = g + weight_decay * p
        v = rho v + (1 - rho) g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho u + (1 - rho) delta^2
        p = p - lr delta

    ``state[p]``: ``step``, ``square_avg`` (v), ``acc_delta`` (u).
    """

    def __init__(self, params: ParamGroups, lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "square_avg": np.zeros_like(x), "acc_delta": np.zeros_like(x)}

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        rho, eps = group["rho"], group["eps"]
        g = self._decay(x, g, group, scalars)
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * (g * g)
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * (delta * delta)
        x -= scalars["lr"] * delta
