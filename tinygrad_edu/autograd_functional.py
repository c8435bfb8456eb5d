"""``torch.autograd.functional`` for tinygrad_edu: `jacobian`, `hessian`, `vjp`, `jvp`,
`hvp`, `vhp`, with PyTorch's signatures, return structures and ``strict=`` errors.

Available as ``tinygrad_edu.autograd.functional``.  Everything is built on the engine's
`grad` (reverse mode) with ``create_graph=True`` where a second derivative is needed:

* ``vjp``: v^T J, one backward pass.
* ``jvp``: J v, by the double-backward trick (PyTorch's too): u -> J^T u is linear in a
  dummy u = 0 that requires grad; differentiating J^T u with respect to u along v gives J v.
* ``vhp``: v^T H, the gradient of (grad f . v) (double backward); ``hvp``: H v, the
  double-backward trick applied to the gradient.  Equal for twice-differentiable f.
* ``jacobian``: one backward pass per output element (J's rows), with one-hot
  ``grad_outputs``; ``hessian`` is the jacobian of the (recorded) gradient.

Structure (as PyTorch): ``inputs`` a Tensor or a tuple of Tensors; results follow.  A
Jacobian of output i with respect to input j has shape ``out_i.shape + in_j.shape`` and
is indexed ``jac[i][j]``, dropping the index for a single Tensor.  Inputs are never
changed: functions see detached copies (with ``create_graph=True`` and inputs that require
grad, recorded clones, so the results stay connected to the caller's graph).  Without
``create_graph`` the results are detached.

Deliberate differences: no forward-mode AD (``strategy="forward-mode"`` raises
NotImplementedError), and ``vectorize=True`` computes the same Jacobian row by row (there is
no vmap; the result is identical).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import enable_grad, grad
from .ops import stack
from .tensor import Tensor, _wrap

Inputs = Tensor | tuple[Tensor, ...]
Func = Callable[..., Any]


# --------------------------------------------------------------------------- helpers
def _as_tuple(x: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether ``x`` was a tuple, ``x`` as a tuple), checking every entry is a Tensor."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but {where} has type {type(el)}.")
    return is_tuple, items


def _unpack(res: tuple, is_tuple: bool) -> Any:
    return res if is_tuple else res[0]


def _prepare(tensors: tuple[Tensor, ...], create_graph: bool,
             need_graph: bool) -> tuple[Tensor, ...]:
    """What ``func`` receives: recorded clones (create_graph, input requires grad) or
    detached leaves (requiring grad when ``need_graph``)."""
    return tuple(t.clone() if create_graph and t.requires_grad
                 else t.detach().requires_grad_(need_graph) for t in tensors)


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    """Detach the results (nested tuples too) unless ``create_graph``."""
    if create_graph:
        return tensors
    return tuple(_finish(t, False) if isinstance(t, tuple) else t.detach() for t in tensors)


def _zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return _wrap(np.zeros_like(t.data)).requires_grad_(requires_grad)


def _check_v(v: tuple[Tensor, ...], other: tuple[Tensor, ...], is_other_tuple: bool) -> None:
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


_STRICT_MESSAGES = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when "
               "running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of "
                   "the user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should "
               "ensure that your function is thrice differentiable and that the hessian "
               "depends on the inputs.",
}


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """In strict mode, every entry must exist and depend on the inputs (PyTorch's errors)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT_MESSAGES[kind].format(i=i))


def _grad(outputs: tuple, inputs: tuple[Tensor, ...], grad_outputs: tuple | None = None,
          create_graph: bool = False, retain_graph: bool | None = None) -> tuple:
    """`grad` over the outputs that require grad (None per input if there are none); an
    input the outputs don't use gets None."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    kept = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return grad([o for o, _ in kept], list(inputs), [g for _, g in kept],
                retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


_FILL_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _fill_in_zeros(grads: tuple, refs: tuple[Tensor, ...], strict: bool, create_graph: bool,
                   stage: str) -> tuple[Tensor, ...]:
    """None gradients become zeros shaped like ``refs`` (strict mode raises instead)."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_FILL_MESSAGES[stage].format(i=i))
            g = _zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               f"create_graph=True.")
        res.append(g)
    return tuple(res)


def _setup(fn_name: str, func: Func, inputs: Inputs, v: Any, create_graph: bool,
           strict: bool, v_like_outputs: bool) -> tuple:
    """Shared start of vjp/jvp/vhp/hvp: prepare inputs and v, run func, validate.
    Returns (is_inputs_tuple, inputs, is_outputs_tuple, outputs, v)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    if v is not None:
        v = _prepare(_as_tuple(v, "v", fn_name)[1], create_graph, need_graph=False)
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                          fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    if v_like_outputs:
        if v is not None:
            _check_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
    else:
        if v is not None:
            _check_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
    return is_inputs_tuple, inputs, is_outputs_tuple, outputs, v


def _check_scalar(fn_name: str, is_outputs_tuple: bool, outputs: tuple) -> None:
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           f"contain a single element")


# --------------------------------------------------------------------------- products
def vjp(func: Func, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the vector-Jacobian product, shaped like ``inputs``.
    ``v`` is shaped like the outputs (may be None for a one-element output)."""
    with enable_grad():
        is_in_tuple, xs, is_out_tuple, outputs, vs = _setup(
            "vjp", func, inputs, v, create_graph, strict, v_like_outputs=True)
        res = _fill_in_zeros(_grad(outputs, xs, vs, create_graph), xs, strict,
                             create_graph, "back")
    return (_unpack(_finish(outputs, create_graph), is_out_tuple),
            _unpack(_finish(res, create_graph), is_in_tuple))


def jvp(func: Func, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): the Jacobian-vector product, shaped like the outputs; ``v`` is
    shaped like ``inputs`` (may be None for a one-element input).  Double-backward trick."""
    with enable_grad():
        _, xs, is_out_tuple, outputs, vs = _setup(
            "jvp", func, inputs, v, create_graph, strict, v_like_outputs=False)
        dummies = tuple(_zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, xs, dummies, create_graph=True)  # J^T u, linear in u
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
        res = _fill_in_zeros(_grad(grad_inputs, dummies, vs, create_graph), outputs, strict,
                             create_graph, "back_trick")
    return (_unpack(_finish(outputs, create_graph), is_out_tuple),
            _unpack(_finish(res, create_graph), is_out_tuple))


def vhp(func: Func, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T H) for a scalar function: the gradient of grad(f) . v."""
    with enable_grad():
        is_in_tuple, xs, is_out_tuple, outputs, vs = _setup(
            "vhp", func, inputs, v, create_graph, strict, v_like_outputs=False)
        _check_scalar("vhp", is_out_tuple, outputs)
        jac = _grad(outputs, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        res = _fill_in_zeros(_grad(jac, xs, vs, create_graph), xs, strict,
                             create_graph, "double_back")
    return (_unpack(_finish(outputs, create_graph), is_out_tuple),
            _unpack(_finish(res, create_graph), is_in_tuple))


def hvp(func: Func, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H v) for a scalar function: the double-backward trick on its
    gradient (H v = v^T H for twice-differentiable functions; `vhp` is cheaper)."""
    with enable_grad():
        is_in_tuple, xs, is_out_tuple, outputs, vs = _setup(
            "hvp", func, inputs, v, create_graph, strict, v_like_outputs=False)
        _check_scalar("hvp", is_out_tuple, outputs)
        jac = _grad(outputs, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        dummies = tuple(_zeros_like(x, requires_grad=True) for x in xs)
        double_back = _grad(jac, xs, dummies, create_graph=True)  # H^T u, linear in u
        _check_requires_grad(jac, "hessian", strict)
        res = _fill_in_zeros(_grad(double_back, dummies, vs, create_graph), xs, strict,
                             create_graph, "double_back_trick")
    return (_unpack(_finish(outputs, create_graph), is_out_tuple),
            _unpack(_finish(res, create_graph), is_in_tuple))


# --------------------------------------------------------------------------- matrices
def _check_strategy(strategy: str, name: str = "strategy") -> None:
    if strategy == "forward-mode":
        raise NotImplementedError(f"{name}='forward-mode': tinygrad_edu has no forward-mode "
                                  f"AD; the default 'reverse-mode' gives the same result")
    if strategy != "reverse-mode":
        raise ValueError(f'Expected {name} to be either "forward-mode" or "reverse-mode", '
                         f"got {strategy!r}")


def jacobian(func: Func, inputs: Inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``jac[i][j]`` of shape
    ``outputs[i].shape + inputs[j].shape`` (d out_i / d in_j), the indices dropped where
    ``inputs`` / the output is a single Tensor.  One backward pass per output element."""
    _check_strategy(strategy)
    with enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        is_out_tuple, outputs = _as_tuple(func(*inputs),
                                          "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either "
                               "set `strict=False` or `vectorize=False`.")
        jac = tuple(_jacobian_of(out, i, inputs, create_graph, strict)
                    for i, out in enumerate(outputs))
    jac = _finish(jac, create_graph)
    return _unpack(tuple(_unpack(row, is_in_tuple) for row in jac), is_out_tuple)


def _jacobian_of(out: Tensor, i: int, inputs: tuple[Tensor, ...], create_graph: bool,
                 strict: bool) -> tuple[Tensor, ...]:
    """d out / d input_j for every j: rows from one backward pass per element of out."""
    rows: list[list[Tensor]] = [[] for _ in inputs]
    for k in range(out.numel()):
        onehot = np.zeros(out.shape, dtype=out.dtype)
        onehot.flat[k] = 1
        grads = _grad((out,), inputs, (onehot,), create_graph, retain_graph=True)
        for j, (g, x) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is "
                                       f"independent of input {j}. This is not allowed in "
                                       f"strict mode.")
                g = _zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode when "
                                   f"create_graph=True.")
            rows[j].append(g)
    return tuple(stack(r).reshape(out.shape + x.shape) if r else
                 _wrap(np.zeros(out.shape + x.shape, dtype=x.dtype))
                 for r, x in zip(rows, inputs))


def hessian(func: Func, inputs: Inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func``: ``hess[i][j]`` of shape ``inputs[i].shape +
    inputs[j].shape`` (d^2 f / d in_i d in_j), the jacobian of its recorded gradient."""
    _check_strategy(outer_jacobian_strategy, "outer_jacobian_strategy")
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_func(*xs: Tensor) -> Tensor:
        out = func(*xs)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function",
                                       "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.reshape(())

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        jac = jacobian(scalar_func, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize)
    if not is_in_tuple:  # jacobian saw a tuple output and a tuple input: unpack both
        res = res[0][0]
    return res
