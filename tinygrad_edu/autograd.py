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
  inputs.  Normally these are ndarrays; under ``create_graph=True`` they are Tensors
  connected to the graph, so the same formula is itself recorded and can be
  differentiated again.  Formulas are therefore written with operators and methods that
  ndarrays and Tensors share (``+ - * / @ ** .sum .reshape .swapaxes`` and indexing), or
  with ``Op.call(...)``, which runs another op on either.  Constants (masks, indices) are
  computed from ``self.inputs`` / ``self.out``, which always hold ndarrays.
* Memory: an op keeps only what its backward reads.  ``saves_inputs`` and
  ``saves_output`` (class attributes, both True by default) say which; what is not
  saved arrives as ``None``.  Ops that need only some inputs override ``save_inputs``
  (`save_each_for_the_other` serves `Mul` and `MatMul`).
* Dtypes: an elementwise op sets ``promote = "common"`` (operands converted to PyTorch's
  ``result_type``) or ``promote = "float"`` (the same, then integers to the default float
  dtype); ``forward`` then sees operands of one dtype (see ``promotion.py``).
* ``backward`` returns a tuple with one entry per ``forward`` argument (``None`` where
  there is no gradient).  It may return a gradient in the *broadcast* shape; the engine
  sums it back to each input's shape and dtype, in one place (`_reduce_to`).

The graph and the engine
------------------------
As in PyTorch the graph is made of nodes, not tensors: a node is the `Function` that made
a tensor (``tensor.grad_fn``), or a leaf tensor that requires grad.  Each node's ``next``
holds the nodes of its inputs, so an intermediate tensor's data is kept alive only if some
backward needs it.  `backward` sorts the nodes topologically without recursion, walks them
once from the output, frees each gradient as soon as it has been passed on, and
accumulates into the leaves' ``.grad``.  Unless ``retain_graph=True``, each node's saved
arrays are released as it is used, and a second backward through it raises.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .errors import DTypeError, ShapeError
from .promotion import promote_arrays
from .tensor import Tensor, _wrap

_new_tensor = object.__new__  # a Tensor without running __init__ (ops' outputs are valid)
_PROMOTING: set[type] = set()  # the Function subclasses that set ``promote``
_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)  # need no promotion check

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


class _GradMode(contextlib.ContextDecorator):
    """Set recording to ``mode`` inside a ``with`` block or a decorated function."""

    mode: bool

    def __enter__(self) -> None:
        global _grad_enabled
        self.prev = _grad_enabled
        _grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self.prev

    def _recreate_cm(self) -> _GradMode:
        return type(self)()  # one per call of a decorated function: recursion restores too


class no_grad(_GradMode):
    """Context manager / decorator: ops inside are not recorded (like ``torch.no_grad``)."""

    mode = False


class enable_grad(_GradMode):
    """Context manager / decorator: record ops even inside ``no_grad``."""

    mode = True


# --------------------------------------------------------------------------- in-place changes
_clock = 0  # PyTorch's per-tensor version counters, with one clock for all of them


def new_version() -> int:
    """A version number newer than every op recorded so far.

    Whatever changes a tensor's data in place (an optimizer step, an init, ``zero_``,
    ``load_state_dict``) sets ``tensor._version`` to it; a backward through an op that
    saved that tensor's data before the change then raises instead of silently using the
    new values (`_check_unchanged`).
    """
    global _clock
    _clock += 1
    return _clock


def mark_changed(*tensors: Tensor) -> None:
    """Record that ``tensors`` were changed in place (see `new_version`)."""
    version = new_version()
    for t in tensors:
        t._version = version


# --------------------------------------------------------------------------- Function
Node = Any  # a Function, or a leaf Tensor that requires grad


class Function:
    """Base class of every differentiable op; see the module docstring for the contract."""

    saves_inputs = True
    saves_output = True
    op_name: str | None = None   # the public name, when it is not the class name lowercased
    promote: str | None = None   # "common" / "float": operands' dtypes promoted (promotion.py)
    promote_from: int = 0        # the first argument that takes part in promotion

    next: tuple | None     # per argument: its node, or None (constant / no grad needed)
    inputs: tuple | None   # per argument: its saved ndarray (or constant), or None
    out: Any               # the saved output ndarray, or None
    out_shape: tuple[int, ...]
    out_dtype: np.dtype
    hooks: list | None = None       # hooks registered on the output tensor
    stamp: int = 0                  # the version clock when the op was recorded
    retained: Tensor | None = None  # the output tensor, if it called retain_grad()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.promote:
            _PROMOTING.add(cls)

    def forward(self, *args: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple:
        raise NotImplementedError

    def save_inputs(self, arrays: list) -> tuple:
        """What to keep of the inputs for backward (default: per ``saves_inputs``)."""
        return tuple(arrays) if self.saves_inputs else (None,) * len(arrays)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arguments' data and record the op if any input needs grad."""
        ctx = cls()  # Functions have no __init__: the cheapest way to make one
        requires = False
        arrays = []
        nodes = []
        promoting = cls in _PROMOTING  # a set: cheaper than a class attribute
        dtype = mixed = None  # the tensors' one dtype; whether promotion may be needed
        for a in args:
            if isinstance(a, Tensor):
                d = a.data
                arrays.append(d)
                if promoting:
                    dt = d.dtype
                    if dt is not dtype:
                        if dtype is None:
                            dtype = dt
                        else:
                            mixed = True
                if a.requires_grad:
                    requires = True
                    nodes.append(a._ctx or a)
                else:
                    nodes.append(None)
            else:
                arrays.append(a)
                nodes.append(None)
                if promoting and type(a) is not float and type(a) is not int:
                    mixed = True
        if promoting and (mixed or (dtype is not _FLOAT64 and dtype is not _FLOAT32)):
            arrays = promote_arrays(cls, args, arrays)  # tinygrad_edu/promotion.py
        try:
            out = ctx.forward(*arrays, **kwargs)
        except (ShapeError, DTypeError):
            raise  # the op's own message already names it, its shapes and dtypes
        except (ValueError, TypeError, IndexError) as e:
            kind = next(k for k in (IndexError, ValueError, TypeError) if isinstance(e, k))
            raise kind(_op_error(cls, arrays, kwargs, e)) from e
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        t = _new_tensor(Tensor)
        t.data = out
        if requires and _grad_enabled:
            ctx.next = tuple(nodes)
            ctx.inputs = ctx.save_inputs(arrays)
            ctx.out = out if cls.saves_output else None
            ctx.out_shape = out.shape
            ctx.out_dtype = out.dtype
            ctx.stamp = _clock
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
        return cls().forward(*args, **kwargs)

    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (lets ``backward`` skip costly work)."""
        return self.next[i] is not None

    @property
    def name(self) -> str:
        return _op_name(type(self))

    @property
    def next_functions(self) -> tuple:
        """The input nodes (PyTorch's name): Functions, leaf Tensors, or None."""
        if self.next is None:
            raise RuntimeError(f"{self!r}: the graph was freed by backward()")
        return self.next

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"

    def _saved_tensors(self) -> tuple[Tensor | None, list]:
        """``out`` and the inputs as Tensors attached to the graph (for ``create_graph``)."""
        out = None
        if self.out is not None:
            out = _wrap(self.out)
            out._ctx, out.requires_grad = self, True
        inputs = []
        for a, node in zip(self.inputs, self.next):
            if node is None or a is None or isinstance(node, Tensor):
                inputs.append(node if isinstance(node, Tensor) else a)
            else:
                t = _wrap(a)
                t._ctx, t.requires_grad = node, True
                inputs.append(t)
        return out, inputs


def save_each_for_the_other(self: Function, arrays: list) -> tuple:
    """A ``save_inputs`` for binary ops whose gradient for one input reads only the other
    (``a * b``, ``a @ b``): keep ``a`` only if ``b`` wants a gradient, and vice versa."""
    a, b = arrays
    return (a if self.next[1] is not None else None,
            b if self.next[0] is not None else None)


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"shape {a.shape} {a.dtype}"
    return repr(a)


def _op_name(cls: type) -> str:
    return cls.op_name or cls.__name__.lower()


def _op_error(cls: type, arrays: Sequence[Any], kwargs: dict, err: Exception) -> str:
    args = ", ".join(_describe(a) for a in arrays)
    opts = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"{_op_name(cls)}: invalid arguments ({args}{opts}): {err}"


# --------------------------------------------------------------------------- anomaly mode
_anomaly_mode = False
_anomaly_record: Callable[[Function, np.ndarray], None] = lambda ctx, out: None  # noqa: E731
_anomaly_check: Callable[[Function, Any], None] = lambda ctx, grads: None  # noqa: E731


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly`` checks are installed."""
    return _anomaly_mode


def set_anomaly_hooks(enabled: bool,
                      record: Callable[[Function, np.ndarray], None] | None = None,
                      check: Callable[[Function, Any], None] | None = None) -> tuple:
    """Install the forward/backward checks of ``tools.anomaly.detect_anomaly``.

    Returns the previous ``(enabled, record, check)`` so the caller can restore them.
    """
    global _anomaly_mode, _anomaly_record, _anomaly_check
    previous = (_anomaly_mode, _anomaly_record, _anomaly_check)
    _anomaly_mode = enabled
    if record is not None:
        _anomaly_record = record
    if check is not None:
        _anomaly_check = check
    return previous


# --------------------------------------------------------------------------- the engine
def _reduce_to(g: Any, shape: tuple[int, ...], op: Function) -> Any:
    """Sum a broadcast gradient back to ``shape`` (the inverse of NumPy broadcasting)."""
    gshape = g.shape
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"{op.name} backward returned a gradient of shape {gshape} for an input of "
            f"shape {shape}: this is a bug in the op")
    inner = tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if inner:
        g = g.sum(axis=inner, keepdims=True)
    if g.shape[lead:] != shape:
        raise RuntimeError(
            f"{op.name} backward returned a gradient of shape {gshape}, which does not "
            f"broadcast to the input's shape {shape}: this is a bug in the op")
    if lead:  # a fresh array from a sum; a reshape when the extra axes all have size 1
        g = g.sum(axis=tuple(range(lead))) if g.size != math.prod(shape) else g.reshape(shape)
    return g


def _count_consumers(roots: Iterable[Node]) -> dict[int, int]:
    """For every node reachable from ``roots``: how many recorded uses it has.

    One iterative pass (no recursion limit, linear in the graph size).  The backward pass
    runs a node once all of its uses have sent their gradient, i.e. in topological order.
    """
    deps: dict[int, int] = {}
    stack = [n for n in roots if not isinstance(n, Tensor)]  # a leaf has no inputs to visit
    while stack:
        n = stack.pop()
        nxt = n.next
        if nxt is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through "
                f"{type(n).__name__}, output shape {n.out_shape}): its saved values were "
                f"freed by the first backward. Pass retain_graph=True to the first "
                f"backward() if you need to backward twice.")
        for p in nxt:
            if p is not None:
                k = id(p)
                if k in deps:
                    deps[k] += 1
                else:
                    deps[k] = 1
                    if not isinstance(p, Tensor):
                        stack.append(p)
    return deps


def _as_grad(t: Tensor, gradient: Any) -> np.ndarray | Tensor:
    """Validate a user-given output gradient (or make the implicit 1 for scalars)."""
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs; this "
                f"output has shape {t.shape}. Pass gradient= (an array of that shape) or "
                f"reduce it first, e.g. .sum()")
        one = np.array(1, t.data.dtype)  # np.ones is a Python function: 7x the time
        return one if t.data.ndim == 0 else one.reshape(t.data.shape)
    g = gradient if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=t.dtype)
    if g.shape != t.shape:
        raise RuntimeError(
            f"backward: gradient has shape {g.shape} but the output has shape {t.shape}; "
            f"they must match exactly")
    return g


def _run(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool,
         create_graph: bool, capture: dict[int, int] | None = None) -> list[Any] | None:
    """The backward pass.

    Without ``capture`` the leaves' ``.grad`` accumulate.  With ``capture`` (id of node ->
    position) the gradients reaching those nodes are returned instead and no ``.grad`` is
    touched (functional `grad`).
    """
    global _grad_enabled
    grads: dict[int, Any] = {}
    nodes = []
    for r, g in zip(roots, root_grads):
        if create_graph and not isinstance(g, Tensor):
            g = _wrap(g)
        elif not create_graph and isinstance(g, Tensor):
            g = g.data
        node = r._ctx or r
        k = id(node)
        if k not in grads:
            nodes.append(node)
        grads[k] = g if k not in grads else grads[k] + g
    deps = _count_consumers(nodes)
    ready = [n for n in nodes if id(n) not in deps]
    captured: list[Any] | None = None if capture is None else [None] * len(capture)

    prev_mode, _grad_enabled = _grad_enabled, create_graph  # recorded for higher derivatives
    try:
        while ready:
            node = ready.pop()
            g = grads.pop(id(node), None)
            if g is None:  # reached by no gradient (e.g. a use multiplied by a constant 0)
                _release(node, ready, deps, retain_graph)
                continue
            if node.hooks:
                g = _run_hooks(node.hooks, node.out_shape, g, create_graph)
            if capture is not None:
                pos = capture.get(id(node))
                if pos is not None:
                    captured[pos] = g
                if isinstance(node, Tensor):
                    continue
            elif isinstance(node, Tensor):  # a leaf: accumulate, and nothing to pass on
                owned = not create_graph and g.base is None and _holders(g) == _SOLE_HOLDER
                _accumulate(node, g, create_graph, owned)
                continue
            elif node.retained is not None:
                _accumulate(node.retained, g, create_graph)
            if node.stamp != _clock:  # something changed in place since the op was recorded
                _check_unchanged(node)
            if create_graph:
                out, inputs = node._saved_tensors()
                in_grads = node.backward(g, out, *inputs)
            else:
                in_grads = node.backward(g, node.out, *node.inputs)
            if _anomaly_mode:
                _anomaly_check(node, in_grads)
            for p, pg in zip(node.next, in_grads):
                if p is None:
                    continue
                k = id(p)
                if pg is not None:
                    if pg.shape != p.out_shape:
                        pg = _reduce_to(pg, p.out_shape, node)
                    if pg.dtype is not p.out_dtype and pg.dtype != p.out_dtype:
                        pg = pg.astype(p.out_dtype)
                    prev = grads.get(k)
                    grads[k] = pg if prev is None else prev + pg
                left = deps[k] - 1
                if left:
                    deps[k] = left
                else:
                    ready.append(p)
            in_grads = pg = None  # hold no gradient past its node (see _accumulate)
            if not retain_graph:
                node.next = node.inputs = node.out = None
    finally:
        _grad_enabled = prev_mode
    return captured


def _check_unchanged(node: Function) -> None:
    """Refuse to run ``node.backward`` on saved data of a leaf changed in place since."""
    for i, (p, saved) in enumerate(zip(node.next, node.inputs)):
        if saved is not None and isinstance(p, Tensor) and p._version > node.stamp:
            raise RuntimeError(
                f"{node.name} backward: its input {i}, a leaf of shape {p.shape}, was changed "
                f"in place (an optimizer step, zero_, an init or load_state_dict) after the "
                f"op was recorded, and the op saved the old values for its gradient. Compute "
                f"the output again after the change (PyTorch raises here too).")


def _release(node: Node, ready: list, deps: dict[int, int], retain_graph: bool) -> None:
    """A node that got no gradient still counts as done for the nodes it uses."""
    if isinstance(node, Tensor):
        return
    for p in node.next:
        if p is not None:
            k = id(p)
            deps[k] -= 1
            if not deps[k]:
                ready.append(p)
    if not retain_graph:
        node.next = node.inputs = node.out = None


def _run_hooks(hooks: list, shape: tuple[int, ...], g: Any, create_graph: bool) -> Any:
    """Call each hook on the gradient; a hook's non-None result replaces it (same shape
    and dtype, as PyTorch requires)."""
    for hook in list(hooks):
        res = hook(g if create_graph else _wrap(np.asarray(g)))
        if res is not None:
            if not create_graph:
                res = res.data if isinstance(res, Tensor) else np.asarray(res)
            if res.shape != shape or res.dtype != g.dtype:
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                    f"{res.shape} {res.dtype} for a gradient of shape {shape} {g.dtype}; "
                    f"a hook must keep both")
            g = res
    return g


def _accumulate(t: Tensor, g: Any, create_graph: bool, owned: bool = False) -> None:
    """``t.grad += g``, with no two ``.grad`` sharing memory or being a NumPy scalar.

    The first gradient becomes ``.grad`` as it is when ``owned`` (nothing else references
    the array: PyTorch's AccumulateGrad steals such gradients too), else a copy of it.
    Under ``create_graph`` the copy is a recorded ``clone`` (``a + b`` hands both leaves
    the same gradient tensor).
    """
    if create_graph:
        t.grad = g.clone() if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _wrap(g if owned and type(g) is np.ndarray else np.array(g, dtype=t.data.dtype))
    elif t.grad.requires_grad:
        t.grad = _wrap(np.asarray(t.grad.data + g))
    else:
        total = t.grad.data + g
        t.grad.data = total if type(total) is np.ndarray else np.asarray(total)


def _holders(a: object) -> int:
    """``sys.getrefcount(a)`` seen one call below whoever holds ``a`` (-1 without it)."""
    return _getrefcount(a)


def _sole_holder_count() -> int:
    """What `_holders` says of an array that only the caller's local variable holds."""
    a = np.empty(0)
    return _holders(a)


_getrefcount = getattr(sys, "getrefcount", lambda a: -1)  # CPython has it, PyPy not
_SOLE_HOLDER = _sole_holder_count() if hasattr(sys, "getrefcount") else -2


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
    capture = {id(x._ctx or x): i for i, x in enumerate(inputs)}
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
