"""The Adam family: `Adam` (optional AMSGrad), `AdamW`, `Adamax`, `NAdam`, `RAdam`.

PyTorch's update rules, defaults and state names.  Every rule keeps the first moment
m = beta1 m + (1 - beta1) g (``exp_avg``) and, except Adamax, the second moment
v = beta2 v + (1 - beta2) g^2 (``exp_avg_sq``), counting steps t = 1, 2, ... in ``step``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroups, StepScalars, check_betas, check_non_negative


def _first_moment(state: dict[str, Any], g: np.ndarray, scalars: StepScalars) -> np.ndarray:
    """m = beta1 m + (1 - beta1) g, in place in ``state["exp_avg"]``."""
    m = state["exp_avg"]
    m *= scalars["beta1"]
    m += scalars["one_minus_beta1"] * g
    return m


def _second_moment(state: dict[str, Any], g: np.ndarray, scalars: StepScalars) -> np.ndarray:
    """v = beta2 v + (1 - beta2) g^2, in place in ``state["exp_avg_sq"]``."""
    v = state["exp_avg_sq"]
    v *= scalars["beta2"]
    v += scalars["one_minus_beta2"] * (g * g)
    return v


class _AdamBase(Optimizer):
    """Validation and state shared by the Adam family (``lr, betas, eps, weight_decay``)."""

    def __init__(self, params: ParamGroups, lr: float, betas: tuple[float, float], eps: float,
                 weight_decay: float, **options: Any) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, **options))

    _scalar_options = frozenset({"lr", "betas"})  # OneCycleLR cycles beta1

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros_like(x), "exp_avg_sq": np.zeros_like(x)}

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """lr (and shrink), then the betas and 1 - beta: schedulers may change them."""
        scalars = super()._step_scalars(group, state)
        beta1, beta2 = group["betas"]
        scalars.update(beta1=beta1, one_minus_beta1=1 - beta1, beta2=beta2,
                       one_minus_beta2=1 - beta2)
        return scalars

    def _moments(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                 group: dict[str, Any], scalars: StepScalars
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weight decay, then both moments updated in place: (g, m, v)."""
        g = self._decay(x, g, group, scalars)
        return g, _first_moment(state, g, scalars), _second_moment(state, g, scalars)


class Adam(_AdamBase):
    """Adam, exactly ``torch.optim.Adam``'s update.  Per parameter p with gradient g, at
    step t::

        g = g + weight_decay * p                    (L2; AdamW decays p instead, below)
        m, v as in the module docstring
        v_max = max(v_max, v)                       (amsgrad; then v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    ``state[p]`` holds ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and with amsgrad
    ``max_exp_avg_sq``.  ``decoupled_weight_decay=True`` is AdamW: p = p (1 - lr
    weight_decay) before the update and no L2 term in g.  ``maximize`` ascends.
    """

    def __init__(self, params: ParamGroups, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state = super()._init_state(x, group)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(x)
        return state

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """lr, then ``step_size`` = lr / (1 - beta1^t) and ``bias2_sqrt`` = sqrt(1 - beta2^t)."""
        scalars = super()._step_scalars(group, state)
        (beta1, beta2), t = group["betas"], state["step"]
        scalars["step_size"] = group["lr"] / (1 - beta1**t)
        scalars["bias2_sqrt"] = math.sqrt(1 - beta2**t)
        return scalars

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        eps = group["eps"]
        g, m, v = self._moments(x, g, state, group, scalars)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = np.sqrt(v)
        denom /= scalars["bias2_sqrt"]
        denom += eps
        update = np.divide(m, denom, out=denom)
        update *= scalars["step_size"]
        x -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2): p = p (1 - lr weight_decay), then
    the Adam update without an L2 term.  ``torch.optim.AdamW``'s rule."""

    def __init__(self, params: ParamGroups, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class Adamax(_AdamBase):
    """Adamax (Adam with the infinity norm), ``torch.optim.Adamax``'s update::

        g = g + weight_decay * p
        m as in the module docstring;  u = max(beta2 u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u

    ``state[p]``: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).
    """

    def __init__(self, params: ParamGroups, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, maximize=maximize)

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros_like(x), "exp_inf": np.zeros_like(x)}

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """lr, then ``step_size`` = lr / (1 - beta1^t)."""
        scalars = super()._step_scalars(group, state)
        scalars["step_size"] = group["lr"] / (1 - group["betas"][0] ** state["step"])
        return scalars

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        eps = group["eps"]
        g = self._decay(x, g, group, scalars)
        m = _first_moment(state, g, scalars)
        u = state["exp_inf"]
        u *= scalars["beta2"]
        np.maximum(u, np.abs(g) + eps, out=u)
        x -= scalars["step_size"] * (m / u)


class NAdam(_AdamBase):
    """Adam with Nesterov momentum, ``torch.optim.NAdam``'s update (psi = momentum_decay)::

        g = g + weight_decay * p        (decoupled_weight_decay: p = p (1 - lr weight_decay))
        mu_t = beta1 (1 - 0.96^(t psi) / 2)         mu_prod = mu_1 ... mu_t
        m, v as in the module docstring;            d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr (1 - mu_t) / (1 - mu_prod) g / d
              - lr mu_{t+1} / (1 - mu_prod mu_{t+1}) m / d

    ``state[p]``: ``step``, ``mu_product`` (a float here; PyTorch keeps it in a float32
    tensor unless its default dtype is float64), ``exp_avg``, ``exp_avg_sq``.
    """

    _scalars = frozenset({"step", "mu_product"})

    def __init__(self, params: ParamGroups, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(momentum_decay=momentum_decay)
        super().__init__(params, lr, betas, eps, weight_decay, momentum_decay=momentum_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {**super()._init_state(x, group), "mu_product": 1.0}

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """Advances ``mu_product``; lr, then ``bias2`` = 1 - beta2^t and the two step sizes
        ``g_step`` = lr (1 - mu_t) / (1 - mu_prod), ``m_step`` = lr mu_{t+1} / (1 - mu_prod
        mu_{t+1})."""
        scalars = super()._step_scalars(group, state)
        lr, (beta1, beta2), t = group["lr"], group["betas"], state["step"]
        psi = group["momentum_decay"]
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] = mu_product = state["mu_product"] * mu
        scalars["bias2"] = 1 - beta2**t
        scalars["g_step"] = lr * (1 - mu) / (1 - mu_product)
        scalars["m_step"] = lr * mu_next / (1 - mu_product * mu_next)
        return scalars

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        g, m, v = self._moments(x, g, state, group, scalars)
        denom = np.sqrt(v / scalars["bias2"])
        denom += group["eps"]
        x -= scalars["g_step"] * (g / denom)
        x -= scalars["m_step"] * (m / denom)


class RAdam(_AdamBase):
    """Rectified Adam, ``torch.optim.RAdam``'s update::

        g = g + weight_decay * p        (decoupled_weight_decay: p = p (1 - lr weight_decay))
        m, v as in the module docstring;  m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1;    rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                       p = p - lr m_hat r sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:          p = p - lr m_hat                    (plain momentum while v is unreliable)

    ``state[p]``: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params: ParamGroups, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """lr, ``bias1`` = 1 - beta1^t, and ``rect_step`` = lr r sqrt(1 - beta2^t) once
        rho_t > 5 (the two cases have different keys: a compiled step retraces when the
        rectification starts)."""
        scalars = super()._step_scalars(group, state)
        lr, (beta1, beta2), t = group["lr"], group["betas"], state["step"]
        bias2 = 1 - beta2**t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / bias2
        scalars["bias1"] = 1 - beta1**t
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            scalars["rect_step"] = lr * rect * math.sqrt(bias2)
        return scalars

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        eps = group["eps"]
        g, m, v = self._moments(x, g, state, group, scalars)
        m_hat = m / scalars["bias1"]
        if "rect_step" in scalars:
            x -= m_hat * scalars["rect_step"] / (np.sqrt(v) + eps)
        else:
            x -= m_hat * scalars["lr"]
