"""Recording every NumPy operation of one eager call: the `Traced` array and the `Trace`.

While a trace is active (in this thread), the arrays of the call's inputs are `Traced`
views: an ndarray subclass whose NumPy operations -- ufuncs and their reductions (through
``__array_ufunc__``), NumPy functions (``__array_function__``) and the ndarray methods that
neither protocol sees (``reshape``, ``astype``, indexing ...) -- compute on plain arrays as
usual and append one `Instr` to the trace.  Their results are `Traced` again, so
everything computed from the inputs is recorded: the forward ops, the backward formulas
the engine runs, the optimizer's update.  Ordinary arrays that such an operation reads
(parameters, optimizer buffers, masks made from shapes) are *captured* by reference.

What a trace cannot see, it reports: a Python number read from a traced array
(``float()``, ``.item()``, ``bool()``) gets a `TraceWarning` (the value is baked into the
program), and a traced array made by a path the tracer does not know raises `TraceError`.
Outside an active trace a `Traced` array behaves as a plain ndarray.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Function
from ..nn.module import Module
from ..optim.optimizer import Optimizer


class TraceError(RuntimeError):
    """Something in the traced call cannot be turned into a program."""


class GuardFailed(Exception):
    """A program's guard saw the other side of a branch than its trace did."""


class TraceWarning(UserWarning):
    """A traced value was read into Python: the compiled program keeps the traced result."""


@dataclass(eq=False)
class Sym:
    """One array of the program: an input, a captured array, or an op's result."""

    name: str                      # a hint; codegen makes it unique
    shape: tuple[int, ...]
    dtype: np.dtype
    kind: str                      # "input", "captured", "scalar", "op"
    order: str = "C"               # the result's memory order (for preallocated buffers)
    root: Sym | None = None        # the Sym whose memory this one views (None: its own)
    index: int = -1                # inputs: argument position; scalars: slot; ops: instr

    @property
    def owner(self) -> Sym:
        return self if self.root is None else self.root


@dataclass(eq=False)
class Instr:
    """``out = op(*args, **kwargs)``; ``op`` is (kind, what): ("ufunc", (ufunc, method)),
    ("func", function), ("method", name), ("attr", name), ("draw", method name),
    ("guard", the truth value the trace saw: the program checks it) or ("view", (shape,
    strides, offset)): a view of an untraced array, made from its owner at each call.
    ``writes`` holds the Syms whose memory the op changes in place."""

    op: tuple[str, Any]
    args: tuple
    kwargs: dict
    out: Any                       # a Sym, a tuple of Syms, or None
    writes: tuple = ()
    hint: str = ""                 # where it was recorded: "fc1.sigmoid", "backward of ..."
    target: Any = None             # draws: the generator


@dataclass(eq=False)
class Scalar:
    """A Python float the program takes as an argument each call (an optimizer's
    learning rate or step size), recorded where an op reads it."""

    sym: Sym


class Coef(float):
    """A float that stands for a `Scalar` slot during a trace.  NumPy ops on it are
    recorded with a reference to the slot; Python arithmetic on it would bake in its value,
    so it raises."""

    slot: Sym

    def __new__(cls, value: float, slot: Sym) -> Coef:
        self = super().__new__(cls, value)
        self.slot = slot
        return self

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _ufunc(ufunc, method, inputs, kwargs)

    def _arith(self, *other: Any) -> Any:
        if other and isinstance(other[0], np.ndarray):
            return NotImplemented  # the array's operator runs: a recorded ufunc
        raise TraceError(
            f"compile: the optimizer's per-step number {self.slot.name} (= {float(self)!r}) "
            f"was used in Python arithmetic during the trace; its value would be baked into "
            f"the program. Compute it in the optimizer's _step_scalars instead.")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arith
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = _arith


# --------------------------------------------------------------------------- the trace
class Trace:
    """The instructions of one call, and the arrays they read."""

    def __init__(self) -> None:
        self.instrs: list[Instr] = []
        self.inputs: list[Sym] = []
        self.loads: list[Any] = []              # per input: ("arg", i) or ("grad", tensor)
        self.scalars: list[Sym] = []
        self.captured: dict[int, tuple[Sym, weakref.ref | None, np.ndarray]] = {}
        self.persistent: set[Sym] = set()       # captured arrays known to be state
        self.scratch: set[Sym] = set()          # ...of which nothing reads after the call
        self.held: list[Any] = []               # every captured array, until the trace ends:
        # ids must not be reused while `captured` is keyed by them (see `release`)
        self.modules: dict[int, Any] = {}       # modules seen in the call stack: id -> module
        self.instance_names: dict[int, str] = {}  # op or module -> "sigmoid2" (see _where)
        self.kind_counts: dict[str, int] = {}
        self.updating = "update"                # the optimizer's current parameter
        self.numbers: dict[int, tuple] = {}  # Python numbers read from traced values

    # -- symbols
    def input(self, array: np.ndarray, name: str, load: Any) -> Traced:
        """A traced view of an array the program takes anew at each call: an argument's,
        or a gradient accumulated across calls; ``load`` says which (see compiled.py)."""
        sym = Sym(name, array.shape, array.dtype, "input", index=len(self.inputs))
        self.inputs.append(sym)
        self.loads.append(load)
        self.captured[id(array)] = (sym, None, array)  # an untraced use of it is this input
        self.held.append(array)
        return _as_traced(array, sym)

    def state(self, array: np.ndarray, name: str, scratch: bool = False) -> Traced:
        """A traced view of a state array (a parameter, a buffer, an optimizer buffer): the
        program reads and changes the array itself.  ``scratch``: nothing reads its content
        after the call (SGD's ``lr * g``), so the program may compute it elsewhere."""
        entry = self.captured.get(id(array))  # read already, before it was found to be state
        sym = entry[0] if entry is not None else Sym(name, array.shape, array.dtype, "captured")
        if entry is not None and sym.name == "const":
            sym.name = name
        self.captured[id(array)] = (sym, weakref.ref(array), array)
        self.persistent.add(sym)
        if scratch:
            self.scratch.add(sym)
        return _as_traced(array, sym)

    def scalar(self, value: float, name: str) -> Coef:
        sym = Sym(name, (), np.dtype(np.float64), "scalar", index=len(self.scalars))
        self.scalars.append(sym)
        return Coef(value, sym)

    def sym_of(self, a: Any) -> Any:
        """The Sym standing for operand ``a`` (captured on first sight), or ``a`` itself
        for plain Python values."""
        if isinstance(a, Traced):
            sym = a.__dict__.get("_sym")
            if sym is None:
                raise TraceError(
                    f"compile: an array of shape {a.shape} was made from a traced one by an "
                    f"operation the tracer does not record; please report it")
            return sym
        if isinstance(a, Coef):
            return Scalar(a.slot)
        if isinstance(a, np.ndarray):
            return self._captured(a)
        if isinstance(a, tuple | list):
            return type(a)(self.sym_of(x) for x in a)
        if isinstance(a, slice):
            return slice(self.sym_of(a.start), self.sym_of(a.stop), self.sym_of(a.step))
        return a

    def _captured(self, a: np.ndarray) -> Sym:
        entry = self.captured.get(id(a))
        if entry is not None:
            return entry[0]
        base = a
        while isinstance(base.base, np.ndarray):
            base = base.base
            if isinstance(base, Traced) and "_sym" in base.__dict__:
                if _same_view(a, base):  # np.asarray(traced): the same array, untraced
                    return base.__dict__["_sym"]
                raise TraceError(
                    f"compile: a view of shape {a.shape} of a traced array left the trace "
                    f"(np.asarray or a plain view); the program could not follow it")
        if base is not a:  # a view (w.T) of an untraced array: made from it at each call
            owner = self._captured(base)
            offset = (a.__array_interface__["data"][0]
                      - base.__array_interface__["data"][0])
            sym = Sym("view", a.shape, a.dtype, "op", root=owner, index=len(self.instrs))
            self.instrs.append(Instr(("view", (a.shape, a.strides, offset)), (owner,), {},
                                     sym, hint="view"))
            self.captured[id(a)] = (sym, weakref.ref(a), a.copy())
            self.held.append(a)  # its id stays its own until the trace ends
            return sym
        sym = Sym("const", a.shape, a.dtype, "captured")
        try:
            ref: weakref.ref | None = weakref.ref(a)
        except TypeError:
            ref = None
        # the value at first sight, in case the array turns out to be a temporary of the
        # call (made fresh each time: see `compiled.py`)
        self.captured[id(a)] = (sym, ref, a.copy() if ref is not None else a)
        self.held.append(a)
        return sym

    def release(self) -> None:
        """Drop the references that kept captured arrays alive during the trace: what
        stays alive afterwards belongs to the caller's state."""
        self.held.clear()

    # -- recording
    def record(self, op: tuple[str, Any], args: tuple, kwargs: dict, result: Any,
               writes: tuple = (), target: Any = None) -> Any:
        """Append ``result = op(*args, **kwargs)``; returns ``result`` as Traced arrays."""
        sargs = tuple(self.sym_of(a) for a in args)
        skw = {k: self.sym_of(v) for k, v in kwargs.items()}
        swrites = tuple(self.sym_of(w) for w in writes)
        instr = Instr(op, sargs, skw, None, swrites, _where(), target)
        index = len(self.instrs)
        self.instrs.append(instr)
        inputs = [a for a in _flat(args) if isinstance(a, np.ndarray)]
        if isinstance(result, tuple):
            outs = tuple(self._result(r, instr, index, inputs, writes) for r in result)
            instr.out = tuple(_sym_or_none(o) for o in outs)
            return outs
        out = self._result(result, instr, index, inputs, writes)
        instr.out = _sym_or_none(out)
        return out

    def _result(self, r: Any, instr: Instr, index: int, inputs: list, writes: tuple) -> Any:
        if r is None:
            return None
        if isinstance(r, np.generic):
            r = np.asarray(r)
        if not isinstance(r, np.ndarray):
            return r
        for w in writes:  # an out= result is the written array itself
            if r is w or (isinstance(w, np.ndarray) and _same_view(r, w)):
                return w
        root = None
        for a in inputs:
            if np.may_share_memory(r, _plain(a)):
                root = self.sym_of(a).owner
                break
        order = "F" if r.flags.f_contiguous and not r.flags.c_contiguous else "C"
        sym = Sym(instr.hint, r.shape, r.dtype, "op", order, root, index)
        return _as_traced(r, sym)


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.shape == b.shape and a.dtype == b.dtype and a.strides == b.strides
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _sym_or_none(x: Any) -> Any:
    return x.__dict__.get("_sym") if isinstance(x, Traced) else None


def _flat(args: Any) -> list:
    out: list = []
    stack = [args]
    while stack:
        a = stack.pop()
        if isinstance(a, tuple | list):
            stack.extend(a)
        elif isinstance(a, dict):
            stack.extend(a.values())
        else:
            out.append(a)
    return out


def _where() -> str:
    """A name for what is being computed, from the call stack: the innermost op (its
    forward, ``sigmoid2``, or its backward, ``d_sigmoid2``: numbered per op as the forward
    met them), else the module (``dropout1``) or the parameter an optimizer updates."""
    frame: Any = sys._getframe(2)
    trace = _state.trace
    what = module = ""
    while frame is not None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, Function) and not what:
            what = _instance_name(trace, owner, owner.name.removesuffix("function"))
            if frame.f_code.co_name == "backward":
                what = "d_" + what
        elif isinstance(owner, Module):
            module = module or _instance_name(trace, owner, type(owner).__name__.lower())
            if trace is not None:
                trace.modules.setdefault(id(owner), owner)
        elif isinstance(owner, Optimizer) and not what:
            what = trace.updating if trace is not None else "update"
        elif frame.f_code.co_name == "_run" and not what:  # the engine adds up gradients
            what = "d_sum"
        frame = frame.f_back
    return what or module or "t"


def _instance_name(trace: Trace | None, owner: object, kind: str) -> str:
    """``kind`` numbered by first appearance in the trace: sigmoid1, sigmoid2..."""
    if trace is None:
        return kind
    name = trace.instance_names.get(id(owner))
    if name is None:
        key = f"{type(owner).__mro__[-2].__name__}:{kind}"  # ops and modules count apart
        count = trace.kind_counts[key] = trace.kind_counts.get(key, 0) + 1
        name = trace.instance_names[id(owner)] = f"{kind}{count}"
        trace.held.append(owner)  # its id must stay its own
    return name


# --------------------------------------------------------------------------- Traced
class _State(threading.local):
    trace: Trace | None = None


_state = _State()


def active() -> Trace | None:
    """The trace being recorded in this thread, if any."""
    return _state.trace


def _plain(a: Any) -> Any:
    if isinstance(a, Traced):
        return a.view(np.ndarray)
    if isinstance(a, Coef):
        return float(a)
    if isinstance(a, tuple | list):
        return type(a)(_plain(x) for x in a)
    if isinstance(a, slice):
        return slice(_plain(a.start), _plain(a.stop), _plain(a.step))
    return a


def _as_traced(a: np.ndarray, sym: Sym) -> Traced:
    t = a.view(Traced)
    t.__dict__["_sym"] = sym
    return t


def _ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    out = kwargs.get("out")
    plain_kw = {k: _plain(v) for k, v in kwargs.items()}
    result = getattr(ufunc, method)(*_plain(inputs), **plain_kw)
    trace = _state.trace
    if trace is None:
        return result
    writes: tuple = tuple(out) if out is not None else ()
    if method == "at":
        writes = (inputs[0],)
    return trace.record(("ufunc", (ufunc, method)), inputs, kwargs, result, writes)


def _method(name: str, writes_self: bool = False) -> Callable:
    plain_method = getattr(np.ndarray, name)

    def method(self: Traced, *args: Any, **kwargs: Any) -> Any:
        result = plain_method(self.view(np.ndarray), *_plain(args),
                              **{k: _plain(v) for k, v in kwargs.items()})
        trace = _state.trace
        if trace is None:
            return result
        writes = (self,) if writes_self else ()
        return trace.record(("method", name), (self, *args), kwargs, result, writes)
    method.__name__ = name
    return method


_PACKAGE = __file__.rsplit("/", 2)[0] + "/"  # tinygrad_edu/


def _user_site() -> tuple[str, int]:
    """``("pool.py:80 via train.py:12", stacklevel)``: the line that read a traced value
    (the framework's own, if it was one of its checks) and the innermost caller outside
    tinygrad_edu, with the stacklevel that points a warning there."""
    frame: Any = sys._getframe(1)
    level, inner = 1, None
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(_PACKAGE) and not name.startswith("<"):
            break
        if inner is None and not name.startswith(_PACKAGE + "compiler/"):
            inner = frame, level  # the framework's own line
        frame, level = frame.f_back, level + 1

    def where(f: Any) -> str:
        return f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_lineno}"
    if frame is None:
        return ("?", 1) if inner is None else (where(inner[0]), inner[1])
    if inner is None or inner[0] is frame:
        return where(frame), level
    return f"{where(inner[0])} via {where(frame)}", level


def _baked(name: str) -> Callable:
    plain_method = getattr(np.ndarray, name)

    def method(self: Traced, *args: Any) -> Any:
        value = plain_method(self.view(np.ndarray), *args)
        trace = _state.trace
        if trace is not None:
            site, _ = _user_site()
            message = (f"compile: {name.strip('_')}() read a traced value of shape "
                       f"{self.shape} into Python ({site}): the number is baked into the "
                       f"program, later calls reuse this call's value")
            # warned when the trace ends, unless the function just returns the number
            trace.numbers[id(value)] = (value, self.__dict__.get("_sym"), name, message)
        return value
    method.__name__ = name
    return method


class Traced(np.ndarray):
    """An ndarray whose operations are recorded in the active `Trace` (see the module
    docstring).  ``_sym`` (in ``__dict__``) names it in the trace."""

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        result = func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
        trace = _state.trace
        if trace is None:
            return result
        writes = tuple(a for a in args[:1] if func in _WRITING_FUNCTIONS)
        if "out" in kwargs and kwargs["out"] is not None:
            writes = (kwargs["out"],)
        return trace.record(("func", func), args, kwargs, result, writes)

    @property
    def T(self) -> Any:
        trace = _state.trace
        result = self.view(np.ndarray).T
        return result if trace is None else trace.record(("attr", "T"), (self,), {}, result)

    def __bool__(self) -> bool:
        """A branch on a traced value: recorded as a guard, which the program checks."""
        value = np.ndarray.__bool__(self.view(np.ndarray))
        trace = _state.trace
        if trace is not None:
            trace.record(("guard", value), (self,), {}, None)
            trace.instrs[-1].hint = _user_site()[0]
        return value

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"Traced({self.view(np.ndarray)!r})"

    def __reduce__(self) -> Any:
        return self.view(np.ndarray).__reduce__()

    for _name in ("reshape", "transpose", "swapaxes", "astype", "copy", "__getitem__",
                  "view", "ravel", "flatten", "squeeze", "argmax", "argmin", "take",
                  "repeat", "sum", "mean", "max", "min", "prod", "any", "all", "std", "var",
                  "cumsum", "cumprod", "dot", "clip", "round", "nonzero", "argsort",
                  "diagonal", "trace", "conj", "searchsorted", "compress", "choose"):
        locals()[_name] = _method(_name)
    for _name in ("__setitem__", "fill", "sort", "put", "partition"):
        locals()[_name] = _method(_name, writes_self=True)
    for _name in ("item", "tolist", "__float__", "__int__", "__index__", "__complex__",
                  "tobytes"):
        locals()[_name] = _baked(_name)
    del _name

    def view(self, *args: Any, **kwargs: Any) -> Any:
        if args == (np.ndarray,) and not kwargs:  # the tracer's own way back to plain
            return np.ndarray.view(self, np.ndarray)
        return _VIEW(self, *args, **kwargs)


_VIEW = _method("view")
_WRITING_FUNCTIONS = {np.put_along_axis, np.copyto, np.put, np.place, np.putmask,
                      np.fill_diagonal}


class RecordingRNG:
    """Stands for a NumPy generator during a trace: each draw is recorded, so that the
    program draws fresh numbers from the same generator at every replay."""

    def __init__(self, generators: list[Any], rng: np.random.Generator) -> None:
        self._rng = rng
        if all(g is not rng for g in generators):
            generators.append(rng)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._rng, name)
        if not callable(method):
            return method

        def draw(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            trace = active()
            if trace is None or not isinstance(result, np.ndarray):
                return result
            return trace.record(("draw", name), args, kwargs, result, target=self._rng)
        return draw


def start(trace: Trace) -> None:
    if _state.trace is not None:
        raise TraceError("compile: a compiled function was called while another one is "
                         "being traced in this thread; nested compiled calls are not traced")
    _state.trace = trace


def stop() -> None:
    _state.trace = None
