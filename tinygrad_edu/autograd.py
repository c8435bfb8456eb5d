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
  sums it back to each input's shape and dtype, in one place (`_fit_grad`).

Users' ops: PyTorch's contract
------------------------------
A subclass whose ``forward`` is a ``@staticmethod`` follows ``torch.autograd.Function``
instead: ``forward(ctx, *args)`` on the arguments as given (Tensors), unrecorded;
``backward(ctx, *grads)`` on Tensors; ``ctx.save_for_backward`` / ``saved_tensors``,
``needs_input_grad``, several outputs.  ``ctx`` is the recorded node (`FunctionCtx`), which
wraps the user's backward in the contract above; built-in ops keep the leaner one.

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

import functools
import inspect
import math
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DTypeError, ShapeError
from .promotion import promote_arrays
from .tensor import Tensor, _wrap, as_array

if TYPE_CHECKING:  # tinygrad_edu/__init__.py sets it (autograd_functional imports this module)
    from . import autograd_functional as functional  # noqa: F401  (for checkers)

_new_tensor = object.__new__  # a Tensor without running __init__ (ops' outputs are valid)
_PROMOTING: set[type] = set()  # the Function subclasses that set ``promote``
_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)  # need no promotion check
_MIXED = object()  # for `Function.apply`: operands of several dtypes (or non-float/int constants)

# --------------------------------------------------------------------------- grad mode
class _ThreadMode(threading.local):
    """The per-thread switches, as in PyTorch: one thread's ``no_grad()`` (inference, say)
    does not stop another thread's training from being recorded.  A new thread starts with
    recording on and anomaly checks off (these class attributes)."""

    grad = True          # whether ops are recorded
    anomaly = False      # whether detect_anomaly's hooks run
    record: Callable[[Function, np.ndarray], None] = staticmethod(lambda ctx, out: None)
    check: Callable[[Function, Any], None] = staticmethod(lambda ctx, grads: None)


_mode = _ThreadMode()


def is_grad_enabled() -> bool:
    """Whether ops are being recorded (in this thread)."""
    return _mode.grad


class _ModeDecorator:
    """A grad-mode context manager that also decorates functions and generator functions:
    every call of a decorated function, and every resumption of a decorated generator, runs
    in the mode (the caller's mode holds between resumptions, as in PyTorch)."""

    def clone(self) -> _ModeDecorator:
        """A fresh manager in the same mode (one per call: recursion restores too)."""
        return type(self)()

    if TYPE_CHECKING:  # each mode defines them
        def __enter__(self) -> object: ...
        def __exit__(self, *exc: object) -> None: ...

    def __call__(self, func: Callable) -> Callable:
        if inspect.isgeneratorfunction(func):
            return _in_mode_generator(self.clone, func)

        @functools.wraps(func)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)
        return in_mode


def _in_mode_generator(make_mode: Callable, func: Callable) -> Callable:
    """Wrap a generator function so that its body runs in ``make_mode()``'s mode each time
    it is resumed (by ``next``, ``send``, ``throw`` or ``close``)."""
    @functools.wraps(func)
    def generator(*args: Any, **kwargs: Any) -> Any:
        gen = func(*args, **kwargs)
        try:
            with make_mode():
                value = gen.send(None)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with make_mode():
                        gen.close()
                    raise
                except BaseException as e:  # thrown in by the caller: on to the body
                    with make_mode():
                        value = gen.throw(e)
                else:
                    with make_mode():
                        value = gen.send(sent)
        except StopIteration as stop:
            return stop.value
    return generator


class set_grad_enabled(_ModeDecorator):
    """Turn recording on or off in this thread: as a call (at once), as a context manager
    (restored on exit) or as a decorator (during each call)."""

    def __init__(self, mode: bool) -> None:
        self.prev = _mode.grad
        self.mode = bool(mode)
        _mode.grad = self.mode

    def __call__(self, func: Callable) -> Callable:
        _mode.grad = self.prev  # decorating does not change the mode
        return super().__call__(func)

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self.mode)

    def __enter__(self) -> None:
        _mode.grad = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.grad = self.prev


class _GradMode(_ModeDecorator):
    """Set recording to ``mode`` inside a ``with`` block or a decorated function;
    ``@no_grad`` works without the parentheses too."""

    mode: bool

    def __new__(cls, func: Callable | None = None) -> Any:
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __enter__(self) -> None:
        self.prev = _mode.grad
        _mode.grad = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.grad = self.prev


class no_grad(_GradMode):
    """Context manager / decorator: ops inside are not recorded (like ``torch.no_grad``)."""

    mode = False


class enable_grad(_GradMode):
    """Context manager / decorator: record ops even inside ``no_grad``."""

    mode = True


# --------------------------------------------------------------------------- in-place changes
# PyTorch keeps a version counter per storage, shared by a tensor, its views and its
# detach()es.  Here the storage is NumPy's: the array that owns the memory (where ``.base``
# chains end), so every alias NumPy knows of shares its counter for free.  A storage gets a
# counter (`_Counter`) when it is first changed in place (reading one that was never
# changed gives 0 and makes none); one clock serves all counters.
_clock = 0


class _Counter(weakref.ref):
    """The version counter of one storage: a weak reference to the array that owns the
    memory, with the clock of its last in-place change.  It leaves `_counters` when that
    array is freed (so a new array that gets the same id starts from 0)."""

    __slots__ = ("key", "version")
    key: int
    version: int

    def __new__(cls, owner: np.ndarray) -> _Counter:
        self = super().__new__(cls, owner, _forget)
        self.key, self.version = id(owner), 0
        return self


_counters: dict[int, _Counter] = {}  # id(owner) -> its counter


def _forget(counter: _Counter) -> None:
    if _counters.get(counter.key) is counter:
        del _counters[counter.key]


def _owner(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def new_version() -> int:
    """A version number newer than every op recorded so far."""
    global _clock
    _clock += 1
    return _clock


def version_of(a: np.ndarray) -> int:
    """The clock of the last in-place change to ``a``'s memory (0: never changed)."""
    counter = _counters.get(id(_owner(a)))
    return 0 if counter is None else counter.version


def stamp(a: np.ndarray, version: int) -> None:
    """Record that ``a``'s memory (and so every view of it) was changed at ``version``."""
    counter_of(a).version = version


def counter_of(a: np.ndarray) -> _Counter:
    """The version counter of ``a``'s memory, made if it has none yet (a caller that
    stamps the same array at every step can keep it: compile's generated glue does)."""
    owner = _owner(a)
    counter = _counters.get(id(owner))
    if counter is None:
        counter = _counters[id(owner)] = _Counter(owner)
    return counter


def mark_changed(*tensors: Tensor) -> int:
    """Record that ``tensors`` were changed in place; returns the new version.

    Whatever changes a tensor's data in place (an in-place op, an optimizer step, an init,
    ``load_state_dict``) calls this (or `stamp`, with a version of its own); a backward
    through an op that saved the old values -- of the tensor, a view or a ``detach()`` of
    it -- then raises instead of silently using the new ones (`_check_unchanged`).
    """
    version = new_version()
    for t in tensors:
        stamp(t.data, version)
    return version


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
    _node_class: type[FunctionCtx]  # the node type of a Function written PyTorch's way
    anomaly_trace: Any              # where the op was called, under detect_anomaly (tools)

    def forward(self, *args: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple:
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass with a staticmethod ``forward`` follows PyTorch's contract
        (``forward(ctx, ...)``, ``backward(ctx, *grads)``): see `FunctionCtx`.  One that
        sets ``promote`` has its operands' dtypes promoted by `apply`."""
        super().__init_subclass__(**kwargs)
        if cls.promote:
            _PROMOTING.add(cls)
        if isinstance(inspect.getattr_static(cls, "forward"), staticmethod):
            cls.apply = classmethod(_apply_with_ctx)  # type: ignore[method-assign,assignment]
            cls._node_class = type(f"{cls.__name__}Backward", (FunctionCtx,), {"fn": cls})

    def save_inputs(self, arrays: list) -> tuple:
        """What to keep of the inputs for backward (default: per ``saves_inputs``)."""
        return tuple(arrays) if self.saves_inputs else (None,) * len(arrays)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arguments' data and record the op if any input needs grad."""
        ctx = cls()  # Functions have no __init__: the cheapest way to make one
        requires = False
        arrays = []
        nodes: list[Function | Tensor | None] = []
        promoting = cls in _PROMOTING  # a set: cheaper than a class attribute
        dtype: Any = None  # the tensors' one dtype so far, or _MIXED: promotion may be needed
        for a in args:
            if isinstance(a, Tensor):
                d = a.data
                arrays.append(d)
                if promoting and (dt := d.dtype) is not dtype:
                    dtype = dt if dtype is None else _MIXED
                if a.requires_grad:
                    requires = True
                    nodes.append(a._ctx or a)
                else:
                    nodes.append(None)
            else:
                arrays.append(a)
                nodes.append(None)
                if promoting and type(a) is not float and type(a) is not int:
                    dtype = _MIXED
        if promoting and dtype is not _FLOAT64 and dtype is not _FLOAT32:
            arrays = promote_arrays(cls, args, arrays)  # tinygrad_edu/promotion.py
        try:
            out = ctx.forward(*arrays, **kwargs)
        except (ShapeError, DTypeError):
            raise  # the op's own message already names it, its shapes and dtypes
        except (ValueError, TypeError, IndexError) as e:
            raise _op_error(cls, arrays, kwargs, e) from e
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)  # a NumPy scalar (subclasses, e.g. traced arrays, stay)
        t = _new_tensor(Tensor)
        t.data = out
        if requires and _mode.grad:
            ctx.next = tuple(nodes)
            ctx.inputs = ctx.save_inputs(arrays)
            ctx.out = out if cls.saves_output else None
            ctx.out_shape = out.shape
            ctx.out_dtype = out.dtype
            ctx.stamp = _clock
            t._ctx = ctx
            t.requires_grad = True
            if _anomaly_threads and _mode.anomaly:
                _mode.record(ctx, out)
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


def _op_name(cls: type[Function]) -> str:
    return cls.op_name or cls.__name__.lower()


def _op_error(cls: type, arrays: Sequence[Any], kwargs: dict, err: Exception) -> Exception:
    """The error to raise for ``err`` from an op's forward, naming the op and its arguments:
    an IndexError stays one (a ``dim`` out of range), a ValueError becomes a `ShapeError`
    and a TypeError a `DTypeError` (both still the kind they were)."""
    args = ", ".join(_describe(a) for a in arrays)
    opts = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    kind = (IndexError if isinstance(err, IndexError)
            else ShapeError if isinstance(err, ValueError) else DTypeError)
    return kind(f"{_op_name(cls)}: invalid arguments ({args}{opts}): {err}")


# ------------------------------------------------------------------ PyTorch-style Functions
class FunctionCtx(Function):
    """The ``ctx`` of a PyTorch-style `Function` (``forward``/``backward`` staticmethods),
    and the graph node its ``apply`` records (``output.grad_fn``), as in PyTorch.

    ``forward(ctx, *args)`` gets the arguments as given (Tensors stay Tensors) and runs
    unrecorded; ``backward(ctx, *grads)`` gets one gradient Tensor per output and returns
    one per argument (a Tensor or None).  Under ``create_graph=True`` its Tensor ops are
    recorded, so a backward written with Tensor ops is differentiable again.  The saved
    tensors are kept in ``out``, which the engine frees after backward.
    """

    fn: type[Function]            # the user's Function subclass
    next: tuple | None = ()       # () until recorded; None once backward freed the graph
    out: tuple = ()               # what save_for_backward saved
    needs_input_grad: tuple = ()
    materialize_grads = True      # a missing output gradient arrives as zeros, not None
    non_differentiable: tuple = ()
    outputs: tuple = ()           # per output (multi-output ctx): (shape, dtype) or None

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (inputs, outputs or None) for ``backward``."""
        self.out = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept."""
        if self.next is None:
            raise RuntimeError(
                f"{self!r}: trying to backward through the graph a second time (or to read "
                f"saved_tensors after they were freed); pass retain_graph=True to the first "
                f"backward() if you need to backward twice")
        return self.out

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """These outputs get no gradient (integer results, indices...): their gradients
        in ``backward`` are zeros."""
        self.non_differentiable = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """Whether an output that got no gradient passes zeros (True) or None to backward."""
        self.materialize_grads = value

    def mark_dirty(self, *tensors: Tensor) -> None:
        raise RuntimeError(f"{self.fn.__name__}: custom Functions that change their inputs "
                           f"in place (mark_dirty) are not supported; return a new tensor")

    @property
    def name(self) -> str:
        return _op_name(self.fn)

    def __repr__(self) -> str:
        return f"<{self.fn.__name__}Backward>"

    def _saved_tensors(self) -> tuple[Any, list]:
        return self.out, []

    def backward(self, g: Any, saved: Any) -> tuple:
        """The engine's contract around the user's ``backward(ctx, *grads)``."""
        create = _mode.grad  # the engine records exactly when create_graph is on
        if type(g) is _Slots:
            grads = [g[i] if i in g else self._missing(spec)
                     for i, spec in enumerate(self.outputs)]
        else:
            grads = [g]
        grads = [x if x is None or isinstance(x, Tensor) else _wrap(np.asarray(x))
                 for x in grads]
        result = self.fn.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if create:
            return tuple(r if r is None or isinstance(r, Tensor) else _wrap(np.asarray(r))
                         for r in result)
        return tuple(r.data if isinstance(r, Tensor) else r for r in result)

    def _missing(self, spec: tuple | None) -> Tensor | None:
        """The gradient of an output that got none: zeros of its shape (or None)."""
        if spec is None or not self.materialize_grads:
            return None
        return _wrap(np.zeros(*spec))


class _Slots(dict):
    """Output index -> gradient, on its way from a multi-output Function's outputs to its
    node; the engine adds these as it adds arrays (``shape``/``dtype`` match the node's)."""

    shape = ()
    dtype = None

    def __add__(self, other: _Slots) -> _Slots:
        total = _Slots(self)
        for i, g in other.items():
            total[i] = g if i not in total else total[i] + g
        return total


class _Output(Function):
    """The node of output ``index`` of a multi-output custom Function: it passes its
    gradient on to the Function's node, in that output's slot."""

    index: int
    label: str

    def backward(self, g: Any, out: Any) -> tuple:
        return (_Slots({self.index: g}),)

    @property
    def name(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"<{self.label}Backward>"


def _apply_with_ctx(cls: type[Function], *args: Any, **kwargs: Any) -> Any:
    """``F.apply`` for a PyTorch-style `Function` ``F`` (see `FunctionCtx`)."""
    setup = getattr(cls, "setup_context", None)
    if kwargs:  # bound to forward's parameters, as PyTorch does
        sig = inspect.signature(cls.forward)
        bound = sig.bind(*args, **kwargs) if setup else sig.bind(None, *args, **kwargs)
        bound.apply_defaults()
        args = bound.args if setup else bound.args[1:]
    ctx = cls._node_class()
    record = _mode.grad and any(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.needs_input_grad = tuple(record and isinstance(a, Tensor) and a.requires_grad
                                 for a in args)
    output: Any  # Tensors (or a tuple), as the user's forward returns them
    with no_grad():
        if setup:
            output = cls.forward(*args)
            setup(ctx, args, output)
        else:
            output = cls.forward(ctx, *args)
    if not record:
        return output
    outs = output if isinstance(output, tuple) else (output,)
    fixed = {id(t) for t in ctx.non_differentiable}
    taken = {id(a) for a in args}
    outs = tuple(o if not isinstance(o, Tensor) or (o._ctx is None and not o.requires_grad
                                                     and id(o) not in taken)
                 else _wrap(o.data) for o in outs)  # never re-parent an input
    diff = [isinstance(o, Tensor) and id(o) not in fixed for o in outs]
    ctx.next = tuple(a._ctx or a if isinstance(a, Tensor) and a.requires_grad else None
                     for a in args)
    ctx.inputs = ()
    ctx.stamp = _clock
    if not isinstance(output, tuple):
        if diff[0]:
            _attach(ctx, outs[0])
        return outs[0]
    ctx.out_shape, ctx.out_dtype = _Slots.shape, _Slots.dtype
    ctx.outputs = tuple((o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs)
    for i, o in enumerate(outs):
        if diff[i]:
            node = _Output()
            node.index, node.label = i, f"{cls.__name__}Output{i}"
            node.next, node.inputs, node.out, node.stamp = (ctx,), (), None, _clock
            _attach(node, o)
    return outs


def _attach(node: Function, t: Tensor) -> None:
    """Make ``node`` the recorded op that produced ``t``."""
    node.out_shape, node.out_dtype = t.data.shape, t.data.dtype
    t._ctx, t.requires_grad = node, True
    if _anomaly_threads and _mode.anomaly:
        _mode.record(node, t.data)


# --------------------------------------------------------------------------- anomaly mode
_anomaly_threads = 0  # threads with anomaly mode on: ops read this global, not _mode, when 0
_anomaly_lock = threading.Lock()


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly`` checks are installed (in this thread)."""
    return _mode.anomaly


def set_anomaly_hooks(enabled: bool,
                      record: Callable[[Function, np.ndarray], None] | None = None,
                      check: Callable[[Function, Any], None] | None = None) -> tuple:
    """Install the forward/backward checks of ``tools.anomaly.detect_anomaly`` (this thread).

    Returns the previous ``(enabled, record, check)`` so the caller can restore them.
    """
    global _anomaly_threads
    mode = _mode
    previous = (mode.anomaly, mode.record, mode.check)
    with _anomaly_lock:
        _anomaly_threads += bool(enabled) - bool(mode.anomaly)
    mode.anomaly = enabled
    if record is not None:
        mode.record = record
    if check is not None:
        mode.check = check
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


def _fit_grad(g: Any, node: Function | Tensor, op: Function) -> Any:
    """``op``'s gradient for its input ``node`` in that input's shape and dtype (the
    backward may return it broadcast, or computed in a wider dtype)."""
    if g.shape != node.out_shape:
        g = _reduce_to(g, node.out_shape, op)
    if g.dtype is not node.out_dtype and g.dtype != node.out_dtype:
        g = g.astype(node.out_dtype)
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


def _as_grad(t: Tensor, gradient: Any, who: str = "backward") -> np.ndarray | Tensor:
    """Validate a user-given output gradient (or make the implicit 1 for scalars);
    ``who`` (backward or grad) names the caller in errors."""
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"{who}: grad can be implicitly created only for scalar outputs; this "
                f"output has shape {t.shape}. Pass gradient= (an array of that shape) or "
                f"reduce it first, e.g. .sum()")
        one = np.array(1, t.data.dtype)  # np.ones is a Python function: 7x the time
        return one if t.data.ndim == 0 else one.reshape(t.data.shape)
    g: Tensor | np.ndarray
    if isinstance(gradient, Tensor):
        g = gradient
    else:
        try:
            a = np.asarray(gradient)
        except ValueError:  # ragged nested lists
            a = np.asarray(None)
        if a.dtype.kind not in "biufc":
            raise TypeError(
                f"{who}: the gradient must be a Tensor, an ndarray or (nested lists of) "
                f"numbers of the output's shape {t.shape}, got {type(gradient).__name__} "
                f"{gradient!r:.60}")
        g = a.astype(t.dtype, copy=False)
    if g.shape != t.shape:
        raise RuntimeError(
            f"{who}: gradient has shape {g.shape} but the output has shape {t.shape}; "
            f"they must match exactly")
    return g


def _run(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool,
         create_graph: bool, capture: dict[int, int] | None = None) -> list[Any] | None:
    """The backward pass.

    Without ``capture`` the leaves' ``.grad`` accumulate.  With ``capture`` (id of node ->
    position) the gradients reaching those nodes are returned instead and no ``.grad`` is
    touched (functional `grad`).
    """
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

    mode = _mode
    prev_mode, mode.grad = mode.grad, create_graph  # recorded for higher derivatives
    check = mode.check if _anomaly_threads and mode.anomaly else None
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
            if type(in_grads) is not tuple or len(in_grads) != len(node.next):
                _check_count(node, in_grads)
            if check is not None:
                check(node, in_grads)
            for p, pg in zip(node.next, in_grads):
                if p is None:
                    continue
                k = id(p)
                if pg is not None:
                    pg = _fit_grad(pg, p, node)
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
        mode.grad = prev_mode
    return captured


def _check_count(node: Function, in_grads: Any) -> None:
    """Raise unless ``in_grads`` is a tuple of one gradient (or None) per forward argument;
    extra trailing Nones are allowed, as in PyTorch."""
    n = len(node.next)
    if type(in_grads) is tuple and len(in_grads) > n and all(g is None for g in in_grads[n:]):
        return
    got = (f"got {len(in_grads)}" if type(in_grads) is tuple
           else f"got a {type(in_grads).__name__}, not a tuple")
    raise RuntimeError(
        f"function {node!r} (op {node.name}) returned an incorrect number of gradients "
        f"(expected {n}, {got}): backward returns a tuple with one gradient per forward "
        f"argument, None where there is none")


def _check_unchanged(node: Function) -> None:
    """Refuse to run ``node.backward`` on saved arrays changed in place since it was recorded."""
    saved = (*node.inputs, node.out)
    for i, a in enumerate(saved):
        if isinstance(a, np.ndarray) and version_of(a) > node.stamp:
            if i == len(node.inputs):
                what = f"its output, of shape {a.shape},"
            else:
                kind = "a leaf" if isinstance(node.next[i], Tensor) else "a tensor"
                what = f"its input {i}, {kind} of shape {a.shape},"
            raise RuntimeError(
                f"{node.name} backward: {what} was changed in place (an in-place op on it, "
                f"a view or a detach() of it, an optimizer step, an init or load_state_dict) "
                f"after the op was recorded, and the op saved the old values for its "
                f"gradient. Compute the output again after the change (PyTorch raises here "
                f"too: one of the variables needed for gradient computation has been "
                f"modified by an inplace operation).")


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
    and dtype, as PyTorch requires).

    The hooks see a copy: a backward may hand one array to several inputs (``a + b``), and
    a hook changing its gradient in place must change only its own tensor's.
    """
    g = g.clone() if create_graph else _fresh(g, g.dtype)
    for hook in list(hooks):
        res = hook(g if create_graph else _wrap(g))
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
        t.grad = _wrap(g if owned and type(g) is np.ndarray else _fresh(g, t.data.dtype))
    elif t.grad.requires_grad:
        t.grad = _wrap(as_array(t.grad.data + g))
    else:
        t.grad.data = as_array(t.grad.data + g)


def _fresh(g: Any, dtype: np.dtype) -> np.ndarray:
    """A new array holding ``g`` (an array or a NumPy scalar) in ``dtype``."""
    return g.astype(dtype) if isinstance(g, np.ndarray) else np.array(g, dtype=dtype)


def _holders(a: object) -> int:
    """``sys.getrefcount(a)`` seen one call below whoever holds ``a`` (-1 without it)."""
    return _getrefcount(a)


def _sole_holder_count() -> int:
    """What `_holders` says of an array that only the caller's local variable holds."""
    a = np.empty(0)
    return _holders(a)


_getrefcount = getattr(sys, "getrefcount", lambda a: -1)  # CPython has it, PyPy not
_SOLE_HOLDER = _sole_holder_count() if hasattr(sys, "getrefcount") else -2


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate the gradient of ``tensors`` into the ``.grad`` of every leaf they depend
    on (``torch.autograd.backward``; ``t.backward(g)`` is ``backward(t, g)``).

    ``grad_tensors`` is d(loss)/d(tensor) for one tensor, or a sequence with one per
    tensor; it may be None for tensors of one element.  With ``create_graph=True`` the
    backward pass is recorded too (for higher derivatives), and the graph is kept unless
    ``retain_graph`` says otherwise.
    """
    one = isinstance(tensors, Tensor)
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if one or grad_tensors is None:
        grad_tensors = [grad_tensors] * len(roots)
    elif len(grad_tensors) != len(roots):
        raise ValueError(f"backward: got {len(grad_tensors)} grad_tensors for "
                         f"{len(roots)} tensors")
    for t in roots:
        if not t.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn; make sure "
                "a leaf it depends on was created with requires_grad=True and that it was "
                "not computed under no_grad()")
    grads = [_as_grad(t, g) for t, g in zip(roots, grad_tensors)]
    _run(roots, grads, bool(retain_graph) or create_graph, create_graph)


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
    roots_g = [_as_grad(y, g, "grad") for y, g in zip(outputs, grad_outputs)]
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
