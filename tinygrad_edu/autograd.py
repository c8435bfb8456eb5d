"""Recording ops and running them backwards.

The contract (a NumPy cousin of PyTorch's ``autograd.Function``)
-----------------------------------------------------------------
An op is a subclass of `Function` with two methods side by side::

    class Mul(Function):
        def forward(self, a, b):            # ndarrays in, ndarray out
            return a * b
        def backward(self, g, out, a, b):   # one gradient per input
            return g * b, g * a

* ``forward`` receives the ``.data`` of tensor arguments (other arguments as given) and
  may store non-differentiable facts on ``self`` (an axis, a shape).
* ``backward`` receives the upstream gradient ``g``, the op's output ``out`` and the
  inputs.  Normally these are ndarrays; under ``create_graph=True`` they are Tensors, so
  the same formula is itself recorded and can be differentiated again.  Formulas are
  therefore written with operators and methods that ndarrays and Tensors share
  (``+ - * / @ ** .sum .reshape .swapaxes`` and indexing), or with ``Op.call(...)``, which
  runs another op on either.  Constants (masks, indices) are computed from
  ``self.inputs``, which always holds ndarrays.
* ``backward`` returns a tuple with one entry per ``forward`` argument (``None`` where
  there is no gradient).  It may return a gradient in the *broadcast* shape; the engine
  sums it back to each input's shape and dtype, in one place (`_reduce_to`).

The engine
----------
`backward` sorts the graph topologically without recursion, walks it once from the
output, frees each intermediate gradient as soon as it has been passed on, and
accumulates into the leaves' ``.grad``.  Unless ``retain_graph=True``, each node's saved
inputs are released as it is used, and a second backward through it raises.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .tensor import Tensor, _wrap

# --------------------------------------------------------------------------- grad mode
_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether ops are being recorded."""
    return _grad_enabled


class set_grad_enabled:
    """Turn recording on or off, as a call or as a context manager (restores on exit)."""

    def __init__(self, mode: bool) -> None:
        global _grad_enabled
        self.prev = _grad_enabled
        _grad_enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self.prev


class no_grad(contextlib.ContextDecorator):
    """Context manager / decorator: ops inside are not recorded (like ``torch.no_grad``)."""

    def __enter__(self) -> None:
        global _grad_enabled
        self.prev = _grad_enabled
        _grad_enabled = False

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self.prev


class enable_grad(contextlib.ContextDecorator):
    """Context manager / decorator: record ops even inside ``no_grad``."""

    def __enter__(self) -> None:
        global _grad_enabled
        self.prev = _grad_enabled
        _grad_enabled = True

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self.prev


# --------------------------------------------------------------------------- Function
class Function:
    """Base class of every differentiable op; see the module docstring for the contract."""

    parents: tuple | None      # the arguments as given (Tensors and constants)
    inputs: tuple | None       # their ndarrays (constants as given)

    def forward(self, *args: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arguments' data and record the op if any input needs grad."""
        ctx = cls.__new__(cls)
        requires = False
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                if a.requires_grad:
                    requires = True
            else:
                arrays.append(a)
        try:
            out = ctx.forward(*arrays, **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            raise type(e)(_op_error(cls, arrays, kwargs, e)) from e
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        t = _wrap(out)
        if requires and _grad_enabled:
            ctx.parents = args
            ctx.inputs = arrays
            t._ctx = ctx
            t.requires_grad = True
            if _anomaly_mode:
                _anomaly_record(ctx, out)
        return t

    @classmethod
    def call(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on Tensors (recorded) or on plain ndarrays (just the forward).

        Used inside ``backward`` formulas, which see ndarrays normally and Tensors under
        ``create_graph=True``.
        """
        for a in args:
            if isinstance(a, Tensor):
                return cls.apply(*args, **kwargs)
        return cls.__new__(cls).forward(*args, **kwargs)

    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (lets ``backward`` skip costly work)."""
        p = self.parents[i]
        return isinstance(p, Tensor) and p.requires_grad

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"shape {a.shape} {a.dtype}"
    return repr(a)


def _op_error(cls: type, arrays: Sequence[Any], kwargs: dict, err: Exception) -> str:
    args = ", ".join(_describe(a) for a in arrays)
    opts = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"{cls.__name__.lower()}: invalid arguments ({args}{opts}): {err}"


# --------------------------------------------------------------------------- anomaly mode
_anomaly_mode = False
_anomaly_record: Callable[[Function, np.ndarray], None] = lambda ctx, out: None  # noqa: E731
_anomaly_check: Callable[[Function, Any], None] = lambda ctx, grads: None  # noqa: E731


def set_anomaly_hooks(enabled: bool,
                      record: Callable[[Function, np.ndarray], None] | None = None,
                      check: Callable[[Function, Any], None] | None = None) -> None:
    """Install the forward/backward checks of ``tools.anomaly.detect_anomaly``."""
    global _anomaly_mode, _anomaly_record, _anomaly_check
    _anomaly_mode = enabled
    if record is not None:
        _anomaly_record = record
    if check is not None:
        _anomaly_check = check


# --------------------------------------------------------------------------- the engine
def _reduce_to(g: Any, shape: tuple[int, ...], op: Function) -> Any:
    """Sum a broadcast gradient back to ``shape`` (the inverse of NumPy broadcasting)."""
    gshape = g.shape
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"{op.name} backward returned a gradient of shape {gshape} for an input of "
            f"shape {shape}: this is a bug in the op")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape[lead:] != shape:
        raise RuntimeError(
            f"{op.name} backward returned a gradient of shape {gshape}, which does not "
            f"broadcast to the input's shape {shape}: this is a bug in the op")
    return g.reshape(shape)


def _toposort(roots: Iterable[Tensor]) -> list[Tensor]:
    """Tensors that need grad reachable from ``roots``, inputs before the ops that use them.

    Iterative depth-first search: no recursion limit, linear in the graph size.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    for root in roots:
        stack: list[Any] = [root]
        while stack:
            t = stack.pop()
            if t.__class__ is _Done:
                order.append(t.tensor)
                continue
            if id(t) in seen:
                continue
            seen.add(id(t))
            ctx = t._ctx
            if ctx is None:
                order.append(t)
                continue
            parents = ctx.parents
            if parents is None:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time (through "
                    f"{type(ctx).__name__}, output shape {t.shape}): its saved values were "
                    f"freed by the first backward. Pass retain_graph=True to the first "
                    f"backward() if you need to backward twice.")
            stack.append(_Done(t))
            for p in parents:
                if isinstance(p, Tensor) and p.requires_grad and id(p) not in seen:
                    stack.append(p)
    return order


class _Done:
    """Stack marker: all inputs of ``tensor`` are already in the order."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


def _as_grad(t: Tensor, gradient: Any) -> np.ndarray | Tensor:
    """Validate a user-given output gradient (or make the implicit 1 for scalars)."""
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs; this "
                f"output has shape {t.shape}. Pass gradient= (an array of that shape) or "
                f"reduce it first, e.g. .sum()")
        return np.ones_like(t.data)
    g = gradient if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=t.dtype)
    if g.shape != t.shape:
        raise RuntimeError(
            f"backward: gradient has shape {g.shape} but the output has shape {t.shape}; "
            f"they must match exactly")
    return g


def _run(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool,
         create_graph: bool, capture: dict[int, int] | None = None) -> list[Any] | None:
    """The backward pass.

    Without ``capture`` the leaves' ``.grad`` accumulate.  With ``capture`` (id of tensor
    -> position) the gradients of those tensors are returned instead and no ``.grad`` is
    touched (functional `grad`).
    """
    order = _toposort(roots)
    grads: dict[int, Any] = {}
    for r, g in zip(roots, root_grads):
        if create_graph and not isinstance(g, Tensor):
            g = _wrap(g)
        elif not create_graph and isinstance(g, Tensor):
            g = g.data
        k = id(r)
        grads[k] = g if k not in grads else grads[k] + g
    captured: list[Any] | None = None if capture is None else [None] * len(capture)

    prev_mode = set_grad_enabled(create_graph)
    try:
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if t._hooks is not None:
                g = _run_hooks(t, g, create_graph)
            ctx = t._ctx
            if capture is not None:
                pos = capture.get(id(t))
                if pos is not None:
                    captured[pos] = g
            elif ctx is None or t._retains_grad:
                _accumulate(t, g, create_graph)
            if ctx is None:
                continue
            if create_graph:
                in_grads = ctx.backward(g, t, *ctx.parents)
            else:
                in_grads = ctx.backward(g, t.data, *ctx.inputs)
            if _anomaly_mode:
                _anomaly_check(ctx, in_grads)
            for p, pg in zip(ctx.parents, in_grads):
                if pg is None or not isinstance(p, Tensor) or not p.requires_grad:
                    continue
                pdata = p.data
                if pg.shape != pdata.shape:
                    pg = _reduce_to(pg, pdata.shape, ctx)
                if pg.dtype != pdata.dtype:
                    pg = pg.astype(pdata.dtype)
                k = id(p)
                prev = grads.get(k)
                grads[k] = pg if prev is None else prev + pg
            if not retain_graph:
                ctx.parents = ctx.inputs = None
    finally:
        prev_mode.__exit__()
    return captured


def _run_hooks(t: Tensor, g: Any, create_graph: bool) -> Any:
    for hook in list(t._hooks):
        res = hook(g if create_graph else _wrap(g))
        if res is not None:
            res_data = res if create_graph else (res.data if isinstance(res, Tensor)
                                                 else np.asarray(res))
            if res_data.shape != t.shape:
                raise RuntimeError(
                    f"hook returned a gradient of shape {res_data.shape} for a tensor of "
                    f"shape {t.shape}")
            g = res_data
    return g


def _accumulate(t: Tensor, g: Any, create_graph: bool) -> None:
    """``t.grad += g``; the first gradient is copied so no two ``.grad`` share memory."""
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _wrap(np.array(g, dtype=t.data.dtype))
    elif t.grad.requires_grad:
        t.grad = _wrap(t.grad.data + g)
    else:
        t.grad.data = t.grad.data + g


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool = False,
             create_graph: bool = False) -> None:
    """Accumulate the gradient of ``tensor`` into the ``.grad`` of every leaf it depends on.

    ``gradient`` is d(loss)/d(tensor), required unless ``tensor`` has one element.  With
    ``create_graph=True`` the backward pass is recorded too (for higher derivatives), and
    the graph is kept unless ``retain_graph`` says otherwise.
    """
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; make sure a "
            "leaf it depends on was created with requires_grad=True and that it was not "
            "computed under no_grad()")
    g = _as_grad(tensor, gradient)
    _run([tensor], [g], retain_graph or create_graph, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad`` (like ``torch.autograd.grad``).

    ``grad_outputs`` gives the vector of the vector-Jacobian product for each output
    (needed for non-scalar outputs).  With ``create_graph=True`` the results are
    differentiable tensors.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} outputs")
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad")
    for i, y in enumerate(outputs):
        if not y.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {y.shape}) does not require grad "
                               f"and has no grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    roots_g = [_as_grad(y, g) for y, g in zip(outputs, grad_outputs)]
    capture = {id(x): i for i, x in enumerate(inputs)}
    if len(capture) != len(inputs):
        raise ValueError("grad: the same tensor appears twice in inputs")
    found = _run(outputs, roots_g, retain_graph, create_graph, capture)
    result: list[Tensor | None] = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                    f"pass allow_unused=True to get None for it")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else _wrap(np.array(g, dtype=x.dtype)))
    return tuple(result)
