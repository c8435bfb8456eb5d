"""Finite-difference checks of the analytical gradients (PyTorch's ``gradcheck`` semantics).

For ``fn`` with inputs x (those with ``requires_grad``) and outputs y, the Jacobian
J[o, i] = dy_o / dx_i is computed twice:

* numerically, column by column, by central differences
  (y(x + eps e_j) - y(x - eps e_j)) / (2 eps), with error O(eps^2) from truncation and
  O(u / eps) from round-off (u = unit round-off: 1.1e-16 in float64, 6e-8 in float32);
* analytically, row by row, by vector-Jacobian products: one backward pass per output
  element with a one-hot upstream gradient.

The check passes when |analytical - numerical| <= atol + rtol * |numerical| for every
element.  ``fast_mode`` compares the random projections u^T J v instead (one backward and
two forward passes per input).  Do it in float64: in float32 the round-off term alone is
~1e-2 at eps=1e-6.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import grad
from ..tensor import Tensor

Fn = Callable[..., Tensor | Sequence[Tensor]]


class GradcheckError(RuntimeError):
    """Raised when the analytical and numerical gradients disagree."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _diff_outputs(fn: Fn, inputs: Sequence[Any]) -> list[Tensor]:
    return [y for y in _as_tuple(fn(*inputs))
            if isinstance(y, Tensor) and y.dtype.kind == "f"]


def _check_tolerances(op: str, eps: float, atol: float = 0.0, rtol: float = 0.0,
                      nondet_tol: float = 0.0) -> None:
    """eps > 0 and the tolerances >= 0 (a NaN fails too), else a ValueError naming them."""
    if not eps > 0:
        raise ValueError(f"{op}: eps must be a positive step, got {eps}")
    for name, value in (("atol", atol), ("rtol", rtol), ("nondet_tol", nondet_tol)):
        if not value >= 0:
            raise ValueError(f"{op}: {name} must be >= 0, got {value}")


def _checked_inputs(inputs: Sequence[Any], op: str) -> list[int]:
    """Positions of the inputs to check; warns about non-float64 ones."""
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError(f"{op}: no input has requires_grad=True, so there is nothing to check")
    for i in wrt:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"{op}: input {i} has dtype {inputs[i].dtype}, not float64. Finite "
                f"differences in low precision are dominated by round-off (about "
                f"unit_roundoff/eps: ~6e-2 for float32 with eps=1e-6), so the check is "
                f"unreliable; build the inputs with dtype=np.float64.",
                UserWarning, stacklevel=3)
    return wrt


def numerical_jacobian(fn: Fn, inputs: Sequence[Any], eps: float = 1e-6,
                       method: str = "central") -> list[list[np.ndarray]]:
    """``J[o][i]`` of shape (outputs[o].size, inputs[i].size) by finite differences.

    ``method`` is ``"central"`` (error O(eps^2)) or ``"forward"`` (error O(eps)).  The
    inputs' data are perturbed in place and restored exactly.
    """
    if method not in ("central", "forward"):
        raise ValueError(f"numerical_jacobian: method must be 'central' or 'forward', "
                         f"got {method!r}")
    _check_tolerances("numerical_jacobian", eps)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    base = [y.data.astype(np.float64).ravel() for y in _diff_outputs(fn, inputs)]
    jac = [[np.zeros((b.size, inputs[i].data.size)) for i in wrt] for b in base]
    for col, i in enumerate(wrt):
        x = inputs[i]
        if not x.data.flags.writeable:
            x.data = x.data.copy()
        data = x.data  # perturbed element by element, whatever its memory layout
        for j in range(data.size):
            at = np.unravel_index(j, data.shape)
            orig = data[at]
            data[at] = orig + eps
            plus = [y.data.astype(np.float64).ravel() for y in _diff_outputs(fn, inputs)]
            if method == "central":
                data[at] = orig - eps
                minus = [y.data.astype(np.float64).ravel() for y in _diff_outputs(fn, inputs)]
                step = 2 * eps
            else:
                minus, step = base, eps
            data[at] = orig
            for o in range(len(base)):
                jac[o][col][:, j] = (plus[o] - minus[o]) / step
    return jac


def analytical_jacobian(fn: Fn, inputs: Sequence[Any]) -> list[list[np.ndarray]]:
    """``J[o][i]`` of shape (outputs[o].size, inputs[i].size), one backward pass per row."""
    wrt = [inputs[i] for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _diff_outputs(fn, inputs)
    jac = [[np.zeros((y.data.size, x.data.size)) for x in wrt] for y in outs]
    for o, y in enumerate(outs):
        if not y.requires_grad:
            continue  # an output that depends on no input: its Jacobian is 0
        for k in range(y.data.size):
            onehot = np.zeros(y.data.size, dtype=y.dtype)
            onehot[k] = 1
            grads = grad(y, wrt, grad_outputs=onehot.reshape(y.shape), retain_graph=True,
                         allow_unused=True)
            for col, g in enumerate(grads):
                if g is not None:
                    if g.shape != wrt[col].shape:
                        raise GradcheckError(
                            f"gradient for input of shape {wrt[col].shape} has shape {g.shape}")
                    jac[o][col][k] = g.data.astype(np.float64).ravel()
    return jac


@dataclass
class Mismatch:
    """The worst disagreeing element of one (output, input) Jacobian block."""

    output: int
    input: int
    output_index: tuple[int, ...]
    input_index: tuple[int, ...]
    numerical: float
    analytical: float
    abs_error: float
    rel_error: float

    def __str__(self) -> str:
        return (f"Jacobian mismatch for output {self.output} with respect to input "
                f"{self.input}: at output element {self.output_index}, input element "
                f"{self.input_index}: numerical {self.numerical:.10g}, analytical "
                f"{self.analytical:.10g} (abs error {self.abs_error:.3g}, rel error "
                f"{self.rel_error:.3g})")


def _worst(num: np.ndarray, ana: np.ndarray, atol: float, rtol: float, out_shape, in_shape,
           o: int, i: int) -> Mismatch | None:
    excess = np.abs(ana - num) - (atol + rtol * np.abs(num))
    bad = ~(excess <= 0)  # NaN counts as bad
    if not bad.any():
        return None
    r, c = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(excess, nan=np.inf), -np.inf)),
                            num.shape)
    n, a = float(num[r, c]), float(ana[r, c])
    return Mismatch(o, i, tuple(int(v) for v in np.unravel_index(r, out_shape)),
                    tuple(int(v) for v in np.unravel_index(c, in_shape)), n, a,
                    abs(a - n), abs(a - n) / max(abs(n), np.finfo(float).tiny))


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(fn: Fn, inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False,
              seed: int | None = None, nondet_tol: float = 0.0) -> bool:
    """Check ``fn``'s gradients at ``inputs`` against central differences.

    ``inputs`` is a Tensor or a tuple of them (and constants); the ones with
    ``requires_grad`` are checked.  Returns True, or raises `GradcheckError` (or returns
    False with ``raise_exception=False``) naming the output, the input, the worst element,
    both values and the errors.  ``fast_mode`` checks u^T J v for random u, v (``seed``).
    As in PyTorch, the analytical Jacobian is computed twice (not in ``fast_mode``) and must
    agree with itself to ``nondet_tol`` (a backward that is not reentrant fails); and ``fn``
    must give the same outputs twice at the same inputs (finite differences of a random
    ``fn``, such as a Dropout in training mode, measure the noise, not the gradient).
    """
    _check_tolerances("gradcheck", eps, atol, rtol, nondet_tol)
    inputs = _as_tuple(inputs)
    wrt = _checked_inputs(inputs, "gradcheck")
    outs = _diff_outputs(fn, inputs)
    if not outs:
        return _fail("gradcheck: fn returned no floating-point tensor output", raise_exception)
    for o, (y, y_again) in enumerate(zip(outs, _diff_outputs(fn, inputs))):
        if not np.array_equal(y.data, y_again.data, equal_nan=True):
            return _fail(f"gradcheck: fn is not deterministic: output {o} changed between two "
                         f"calls at the same inputs (max change "
                         f"{np.nanmax(np.abs(y.data - y_again.data)):.3g}). Finite differences "
                         f"need a deterministic fn: fix its random draws (e.g. a Dropout in "
                         f"eval mode, or a seeded generator)", raise_exception)
    if fast_mode:
        return _fast_check(fn, inputs, wrt, outs, eps, atol, rtol, raise_exception, seed)
    num = numerical_jacobian(fn, inputs, eps)
    ana = analytical_jacobian(fn, inputs)
    for o, y in enumerate(outs):
        for col, i in enumerate(wrt):
            bad = _worst(num[o][col], ana[o][col], atol, rtol, y.shape, inputs[i].shape, o, i)
            if bad is not None:
                return _fail(f"gradcheck failed. {bad}", raise_exception)
    again = analytical_jacobian(fn, inputs)
    for o in range(len(outs)):
        for col, i in enumerate(wrt):
            change = float(np.max(np.abs(again[o][col] - ana[o][col]), initial=0.0))
            if not change <= nondet_tol:
                return _fail(
                    f"gradcheck: backward is not reentrant: two backward passes with the same "
                    f"inputs and upstream gradient gave different gradients for output {o} "
                    f"with respect to input {i} (max difference {change:.3g}, nondet_tol "
                    f"{nondet_tol:g}), although the first agreed with the numerical one",
                    raise_exception)
    return True


def _fast_check(fn: Fn, inputs: tuple, wrt: list[int], outs: list[Tensor], eps: float,
                atol: float, rtol: float, raise_exception: bool, seed: int | None) -> bool:
    """Compare u^T J v: analytical by one vjp per output, numerical by a directional difference."""
    rng = np.random.default_rng(seed)
    us = [rng.standard_normal(y.shape) for y in outs]
    for i in wrt:
        x = inputs[i]
        v = rng.standard_normal(x.shape)
        orig = x.data  # restored as the same array (a view of the user's stays one)
        x.data = (orig + eps * v).astype(orig.dtype)
        plus = [y.data.astype(np.float64) for y in _diff_outputs(fn, inputs)]
        x.data = (orig - eps * v).astype(orig.dtype)
        minus = [y.data.astype(np.float64) for y in _diff_outputs(fn, inputs)]
        x.data = orig
        for o, (y, u) in enumerate(zip(outs, us)):
            numerical = float(np.sum(u * (plus[o] - minus[o]) / (2 * eps)))
            analytical = 0.0
            if y.requires_grad:
                (g,) = grad(y, [x], grad_outputs=u.astype(y.dtype), retain_graph=True,
                            allow_unused=True)
                analytical = 0.0 if g is None else float(np.sum(g.data * v))
            err = abs(analytical - numerical)
            if not err <= atol + rtol * abs(numerical):
                return _fail(
                    f"gradcheck (fast mode) failed for output {o} with respect to input {i}: "
                    f"u^T J v numerical {numerical:.10g}, analytical {analytical:.10g} "
                    f"(abs error {err:.3g}); rerun without fast_mode to find the element",
                    raise_exception)
    return True


def gradgradcheck(fn: Fn, inputs: Any, grad_outputs: Any = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  fast_mode: bool = False, seed: int | None = None) -> bool:
    """Check second derivatives: gradcheck of (x, v) -> v^T dfn/dx, built with create_graph.

    ``grad_outputs`` (the v's) default to random float64 tensors that require grad, so
    the check covers the double backward with respect to both the inputs and v.
    """
    _check_tolerances("gradgradcheck", eps, atol, rtol)
    inputs = _as_tuple(inputs)
    wrt = _checked_inputs(inputs, "gradgradcheck")
    outs = [y for y in _diff_outputs(fn, inputs) if y.requires_grad]  # the differentiable
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = [Tensor(rng.standard_normal(y.shape), requires_grad=True) for y in outs]
    grad_outputs = list(_as_tuple(grad_outputs))
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradgradcheck: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outs)} outputs that require grad")
    n = len(inputs)

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        xs, vs = args[:n], args[n:]
        ys = [y for y in _diff_outputs(fn, xs) if y.requires_grad]
        gs = grad(ys, [xs[i] for i in wrt], grad_outputs=list(vs), create_graph=True,
                  allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps, atol, rtol,
                     raise_exception, fast_mode, seed)
