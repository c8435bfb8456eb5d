"""Full-batch training with ``scipy.optimize.minimize`` on the flat parameter vector.

SciPy sees a function of one float64 vector x (all parameters flattened in order, C order,
as `nn.utils.parameters_to_vector` lays them out).  `Objective` loads x into the
parameters, runs the user's ``closure()`` (which returns the scalar loss) and gives SciPy

* ``fun_and_jac(x)``: the loss and its exact gradient (one forward, one backward);
* ``hessp(x, p)``: the exact Hessian-vector product H p by double backward: the gradient
  is computed with ``create_graph=True``, then differentiated along p,
  H p = d/dx (grad(x) . p).

`minimize` wires these into SciPy (``hessp`` only for methods that use it: Newton-CG,
trust-ncg, trust-krylov, trust-constr) and leaves the solution in the parameters.  Use
float64 parameters: line searches need gradients more precise than float32's.

SciPy is an optional dependency (``pip install tinygrad_edu[scipy]``), imported on first use.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad, grad
from ..nn.module import Module
from ..nn.utils import vector_to_parameters
from ..tensor import Tensor, _wrap

_USES_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}


def _import_scipy_optimize() -> Any:
    try:
        import scipy.optimize
    except ImportError as e:
        raise ImportError("tinygrad_edu.optim.minimize needs SciPy: "
                          "pip install tinygrad_edu[scipy]") from e
    return scipy.optimize


def _flat(arrays: Iterable[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(a).astype(np.float64) for a in arrays])


class Objective:
    """``closure()`` -> scalar loss Tensor, seen as a function of the flat float64 vector
    of ``params``.  Every method first copies its ``x`` into the parameters."""

    def __init__(self, params: Module | Iterable[Tensor], closure: Callable[[], Tensor]) -> None:
        self.params = list(params.parameters() if isinstance(params, Module) else params)
        if not self.params:
            raise ValueError("Objective: no parameters to optimise")
        self.closure = closure
        self.n_evals = 0

    def x0(self) -> np.ndarray:
        """The parameters' current values as one float64 vector."""
        return _flat(p.data for p in self.params)

    def load(self, x: np.ndarray) -> None:
        """Copy ``x`` into the parameters."""
        vector_to_parameters(_wrap(np.asarray(x, dtype=np.float64)), self.params)

    def _loss(self, x: np.ndarray) -> Tensor:
        self.load(x)
        self.n_evals += 1
        with enable_grad():
            loss = self.closure()
        if not isinstance(loss, Tensor) or loss.data.size != 1:
            raise TypeError("Objective: the closure must return the loss as a one-element Tensor")
        return loss

    def _grads(self, loss: Tensor, create_graph: bool) -> tuple[Tensor | None, ...]:
        if not loss.requires_grad:
            return (None,) * len(self.params)
        return grad(loss, self.params, create_graph=create_graph, allow_unused=True)

    def _flat_grads(self, grads: Iterable[Tensor | None]) -> np.ndarray:
        return _flat(np.zeros(p.shape) if g is None else g.data
                     for p, g in zip(self.params, grads))

    def fun(self, x: np.ndarray) -> float:
        """The loss at x."""
        return float(self._loss(x).data)

    def jac(self, x: np.ndarray) -> np.ndarray:
        """The gradient at x (float64, flat)."""
        return self.fun_and_jac(x)[1]

    def fun_and_jac(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """(loss, gradient) at x from one forward and one backward pass."""
        loss = self._loss(x)
        return float(loss.data), self._flat_grads(self._grads(loss, create_graph=False))

    def hessp(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """H(x) p by double backward: the gradient of (grad(x) . p)."""
        with enable_grad():
            grads = self._grads(self._loss(x), create_graph=True)
            dot = None
            start = 0
            for param, g in zip(self.params, grads):
                n = param.data.size
                if g is not None and g.requires_grad:
                    v = np.asarray(p[start:start + n], dtype=param.dtype).reshape(param.shape)
                    term = (g * v).sum()
                    dot = term if dot is None else dot + term
                start += n
            if dot is None:  # the gradient does not depend on the parameters: H = 0
                return np.zeros(start)
            return self._flat_grads(grad(dot, self.params, allow_unused=True))


def _at_iterate(obj: Objective, callback: Callable[..., Any] | None) -> Any:
    """Wrap SciPy's ``callback`` so that the parameters hold the iterate when it runs,
    keeping the signature SciPy inspects to choose the calling convention (an
    ``OptimizeResult`` for ``intermediate_result``, else xk; TNC always passes xk)."""
    if callback is None:
        return None

    def load(first: Any) -> None:
        obj.load(getattr(first, "x", first))

    if list(inspect.signature(callback).parameters) == ["intermediate_result"]:
        def at_iterate_result(intermediate_result: Any) -> Any:
            load(intermediate_result)
            return callback(intermediate_result)
        return at_iterate_result

    def at_iterate(xk: np.ndarray, *rest: Any) -> Any:
        load(xk)
        return callback(xk, *rest)
    return at_iterate


def minimize(params: Module | Iterable[Tensor], closure: Callable[[], Tensor],
             method: str = "TNC", *, tol: float | None = None,
             callback: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Minimise ``closure()`` over ``params`` (a Module or tensors) with
    ``scipy.optimize.minimize(method=...)``, exact gradient included.

    ``options`` go to SciPy's ``options`` (e.g. ``maxiter=200``; TNC counts function
    evaluations instead, ``maxfun``).  ``callback`` is SciPy's (``callback(xk)``, or
    ``callback(intermediate_result)``), called with the parameters set to the iterate xk
    (the last evaluation may have been a rejected line-search trial).  The solution is left
    in the parameters; SciPy's ``OptimizeResult`` is returned.
    """
    optimize = _import_scipy_optimize()
    obj = Objective(params, closure)
    hessp = obj.hessp if method.lower() in _USES_HESSP else None
    result = optimize.minimize(obj.fun_and_jac, obj.x0(), method=method, jac=True, hessp=hessp,
                               tol=tol, callback=_at_iterate(obj, callback),
                               options=options or None)
    obj.load(result.x)
    return result
