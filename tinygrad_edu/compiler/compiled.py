"""`compile(fn)`: run a training step once under the tracer, then replay it as NumPy source.

The life of a compiled function, per *signature* (the shapes, dtypes and ``requires_grad``
of its Tensor arguments, its other arguments by value, and the grad mode):

1. **warm-up** -- the first call runs ``fn`` eagerly, untraced: optimizers create their
   state on their first step, and a trace of that step would not be the steady-state one
   (TinyJit waits one call for the same reason);
2. **trace** -- the second call runs ``fn`` eagerly with its inputs as `Traced` arrays and
   records every array operation (forward, the engine's backward, the optimizer's array
   update); `codegen.generate` writes the program;
3. **check** -- the third call runs the program, puts everything back, runs ``fn``
   eagerly and compares results, parameters, gradients and optimizer state bit for bit
   (``torch.jit.trace``'s ``check_trace``); a difference raises `TraceError` naming it;
4. **replay** -- later calls run the program only.

The program takes the call's arrays and the parameters' (and accumulated gradients') arrays
as arguments, and the numbers that change between steps -- learning rates, momentum, betas,
Adam's bias corrections -- recomputed by each optimizer's Python half (`_step_scalars`).
Guards, checked before each replay by a function generated per signature (`_make_replay`):
the signature itself, parameter arrays of the same shape and dtype, the same optimizer state
objects and fixed options, the same ``training`` and ``requires_grad`` switches, the same
parameter groups.  A failed guard warms up and traces again; after ``cache_size`` such losses
a signature runs eagerly.  Branches on traced values are guards inside the program
(`GuardFailed`: that call runs eagerly).  The glue around the program -- loading the arrays,
writing ``.grad``/``.data`` back, version stamps, the return value -- is generated with the
guards, as one function.

What a trace cannot know (see README, "Compiling a step"): Python control flow on Python
values is traced as taken, Python numbers read from traced values are baked in (warned),
Python side effects in ``fn`` (printing, appending to a list, hooks) happen in the eager
calls only, and Python numbers ``fn`` reads from elsewhere are constants of the program.
"""

from __future__ import annotations

import builtins
import copy
import functools
import inspect
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, TypeVar, overload

import numpy as np

from ..autograd import counter_of, is_grad_enabled, new_version, stamp
from ..optim.optimizer import Optimizer, StepScalars, set_capture_hook
from ..random import set_draw_hook
from ..tensor import Tensor, _wrap
from . import trace as tr
from .codegen import Program, generate
from .state import Swapped, discover, module_tensors
from .trace import GuardFailed, Sym, Trace, Traced, TraceError, TraceWarning


@dataclass(eq=False)
class _OptimizerUse:
    """One parameter's update by an optimizer, as the trace saw it."""

    optimizer: Optimizer
    group: dict[str, Any]
    param: Tensor
    slots: dict[str, int]           # step-scalar key -> program argument position
    keys: frozenset[str]            # the keys _step_scalars returned
    truth: tuple = ()               # (key, whether it was nonzero) of structural scalars


@dataclass(eq=False)
class _WriteBack:
    """After each replay, ``tensor.<what>`` takes result ``index`` (None: becomes None)."""

    tensor: Tensor
    what: str                       # "data" or "grad"
    index: int | None
    arg: int | None = None          # the tensor is this argument of each call


@dataclass(eq=False)
class _Entry:
    """One signature's state: its call count, and once traced, its program."""

    calls: int = 0
    program: Program | None = None
    function: Callable | None = None
    loads: list[tuple[str, Any]] = field(default_factory=list)  # per input (Trace.loads)
    uses: list[_OptimizerUse] = field(default_factory=list)
    n_scalars: int = 0
    options: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    bound: list[tuple[Tensor, np.ndarray]] = field(default_factory=list)
    loaded: list[tuple[Tensor, np.ndarray, tuple, np.dtype]] = field(default_factory=list)
    stamp_inputs: list[int] = field(default_factory=list)  # inputs changed in place
    writebacks: list[_WriteBack] = field(default_factory=list)
    output: Any = None              # the return value's structure (see _pack)
    verified: bool = False
    draws: list[Any] = field(default_factory=list)           # generators the program uses
    fallbacks: int = 0              # calls a guard sent back to eager mode
    traces_lost: int = 0            # programs dropped because a guard failed
    eager: bool = False             # too many of them: this signature runs eagerly
    sizes: list[tuple[Any, int]] = field(default_factory=list)  # guarded lengths
    spec: tuple = ()                # the signature (see `_signature`)
    warm: bool = False              # whether the eager call before a trace has run
    zero_d: list[int] = field(default_factory=list)  # 0-d results (NumPy may give scalars)
    holds: Any = None               # its guards (see _make_replay)
    replay: Any = None              # the guards, the program and its glue (_make_replay)
    states: list[tuple[Any, Any, Any]] = field(default_factory=list)  # guarded state slots
    flags: list[tuple[Any, str, bool]] = field(default_factory=list)  # guarded switches
    calls_scalars: list[_OptimizerUse] = field(default_factory=list)  # see _build
    stateful: bool = False          # whether _step_scalars changes optimizer state
    stamped: list[np.ndarray] = field(default_factory=list)  # tensors' arrays changed


P = ParamSpec("P")
R = TypeVar("R")


class CompiledFunction(Generic[P, R]):
    """``fn`` compiled: call it like ``fn`` (type checkers see ``fn``'s parameters and
    return type); ``.source`` is the program's text (after the trace), ``.explain()`` says
    where each signature stands."""

    def __init__(self, fn: Callable[P, R], *, check: bool = True, cache_size: int = 8,
                 min_buffer: int = 4096) -> None:
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        self.fn: Callable[..., R] = fn  # called with the positional tuple of a signature
        self.check = check
        self.cache_size = cache_size
        self.min_buffer = min_buffer
        self.retraces = 0
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._last: _Entry | None = None
        self._lock = threading.Lock()
        try:
            self._arg_names = [p.name for p in inspect.signature(fn).parameters.values()
                               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            self._arg_names = []
        self._name = getattr(fn, "__qualname__", type(fn).__name__)
        functools.update_wrapper(self, fn, updated=())  # a module's __dict__ stays its own

    # ------------------------------------------------------------------ calling
    def __call__(self, *call_args: P.args, **kwargs: P.kwargs) -> R:
        args: tuple = call_args
        if kwargs:  # bound to their positions: the signature is positional
            args = self._positional(args, kwargs)
        if tr.active() is not None:  # inside another compiled function's trace: part of it
            return self.fn(*args)
        with self._lock:  # the program's buffers serve one call at a time
            entry = self._last
            if entry is not None and entry.verified:
                out = entry.replay(args)
                if type(out) is not _Signal:
                    entry.calls += 1
                    return out
                if out is not _GUARDS_FAIL:
                    entry.calls += 1
                    return self._after(entry, out, args)
            return self._slow_call(args)

    def _positional(self, args: tuple, kwargs: dict[str, Any]) -> tuple:
        """``args`` and ``kwargs`` as one positional tuple (defaults filled in)."""
        try:
            bound = inspect.signature(self.fn).bind(*args, **kwargs)
        except (TypeError, ValueError) as e:
            raise TypeError(f"compile: {self._name}: {e}") from None
        if bound.kwargs:
            raise TypeError(f"compile: {self._name} takes {', '.join(bound.kwargs)} as "
                            f"keyword-only or **kwargs arguments, which a compiled function "
                            f"cannot bind to a position; pass them positionally")
        bound.apply_defaults()
        return bound.args

    def _slow_call(self, args: tuple) -> Any:
        """A call that is not a plain replay of the last signature (see the docstring)."""
        key = self._signature(args)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
            while len(self._entries) > self.cache_size:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        self._last = entry
        entry.spec = key
        entry.calls += 1
        if entry.eager:
            return self.fn(*args)
        if entry.program is not None and not entry.holds(args):
            _invalidate(entry)
            self.retraces += 1
            entry.traces_lost += 1
            if entry.traces_lost >= self.cache_size:  # as torch.compile's recompile limit
                entry.eager = True
                warnings.warn(
                    f"compile: {self._name} was traced {entry.traces_lost} times for the "
                    f"signature {_describe(key)} because its state keeps changing between "
                    f"calls (an optimizer option a scheduler changes every step, such as "
                    f"OneCycleLR's momentum, or modules switching train/eval); it runs "
                    f"eagerly from now on", TraceWarning, stacklevel=3)
                return self.fn(*args)
        if entry.program is None:
            if not entry.warm:  # the first call, or the first after the state changed
                entry.warm = True
                return self.fn(*args)
            return self._trace(entry, args)
        if not entry.verified and self.check:
            return self._verify(entry, args)
        return self._replay(entry, args)

    @property
    def source(self) -> str:
        """The program of the most recent signature (after its trace)."""
        if self._last is None or self._last.program is None:
            raise RuntimeError("compile: no program yet; the first call of a signature runs "
                               "eagerly and the second traces it")
        return self._last.program.source

    def _signature(self, args: tuple) -> tuple:
        parts: list[Any] = [is_grad_enabled()]
        for a in args:
            if isinstance(a, Tensor):
                parts.append((Tensor, a.data.shape, a.data.dtype, a.requires_grad))
            else:
                try:
                    hash(a)
                except TypeError:
                    raise TypeError(
                        f"compile: argument of type {type(a).__name__} is neither a Tensor "
                        f"nor hashable; pass Tensors (which the program takes anew each "
                        f"call) or hashable constants (which select a program)") from None
                parts.append(("V", type(a), a))
        return tuple(parts)

    # ------------------------------------------------------------------ the trace
    def _trace(self, entry: _Entry, args: tuple) -> Any:
        trace = Trace()
        uses: list[_OptimizerUse] = []
        found = discover(self.fn, args)
        saved = [(a, a.data) for a in args if isinstance(a, Tensor)]
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and not isinstance(a.data, Traced):  # (twice: once)
                name = self._arg_names[i] if i < len(self._arg_names) else f"arg{i}"
                a.data = trace.input(a.data, name, ("arg", i))
        swapped = Swapped(trace, found)

        shared: dict[tuple[int, str], tuple[float, Any]] = {}
        groups: dict[int, int] = {}

        def capture(opt: Optimizer, group: dict[str, Any], p: Tensor,
                    scalars: StepScalars) -> StepScalars:
            """Each per-step number becomes an argument of the program: one per group for
            a group's own option (the learning rate), else one per parameter."""
            slots: dict[str, int] = {}
            traced: StepScalars = {}
            swapped.add_optimizer(opt)  # if the discovery missed it
            trace.updating = f"{swapped.names.get(id(p), 'p')}_update"
            number = groups.setdefault(id(group), len(groups))
            for k, v in scalars.items():
                seen = shared.get((id(group), k))
                if seen is not None and seen[0] is v:
                    slot = seen[1]
                elif group.get(k) is v:
                    slot = trace.scalar(v, k if number == 0 else f"{k}_group{number}")
                    shared[(id(group), k)] = (v, slot)
                else:
                    slot = trace.scalar(v, f"{swapped.names.get(id(p), 'p')}_{k}")
                slots[k] = slot.slot.index
                traced[k] = slot
            structural = tuple((k, bool(scalars[k])) for k in opt._structural_scalars
                               if k in scalars)
            uses.append(_OptimizerUse(opt, group, p, slots, frozenset(scalars), structural))
            return traced

        generators: list[Any] = []
        previous_capture = set_capture_hook(capture)
        previous_draw = set_draw_hook(functools.partial(tr.RecordingRNG, generators))
        tr.start(trace)
        try:
            result = self.fn(*args)
        finally:
            tr.stop()
            set_draw_hook(previous_draw)
            set_capture_hook(previous_capture)
            for a, data in saved:
                if isinstance(a.data, Traced) and a.data.__dict__.get("_sym") in trace.inputs:
                    a.data = data
            swapped.restore()
        self._build(entry, trace, args, result, uses, generators, swapped)
        optimizers = {id(u.optimizer): u.optimizer for u in uses}
        entry.states = [(opt.__dict__, "state", opt.state) for opt in optimizers.values()]
        entry.states += [(opt.state, p, opt.state.get(p)) for opt in optimizers.values()
                         for p in opt.state]  # state.clear(), a parameter's state replaced
        entry.states += [(state, k, original) for state, k, original, _ in swapped.states
                         if isinstance(k, str)]
        entry.sizes = [(opt.param_groups, len(opt.param_groups)) for opt in optimizers.values()]
        entry.sizes += [(g["params"], len(g["params"])) for opt in optimizers.values()
                        for g in opt.param_groups]  # add_param_group, params appended
        entry.holds, entry.replay = self._make_replay(entry)
        return result

    def _build(self, entry: _Entry, trace: Trace, args: tuple, result: Any,
               uses: list[_OptimizerUse], generators: list[Any], swapped: Swapped) -> None:
        """Turn the finished trace into ``entry``'s program, guards and write-backs."""
        names: dict[Sym, str] = {}
        tensors = _state_tensors(trace, uses, args, swapped.named)
        swapped_modules = swapped.modules
        arg_of = {id(a): i for i, a in enumerate(args) if isinstance(a, Tensor)}
        results: list[Sym] = []
        writebacks: list[_WriteBack] = []

        def result_index(array: np.ndarray | Sym, name: str) -> int:
            sym = array if isinstance(array, Sym) else trace.sym_of(array)
            names.setdefault(sym, name)
            results.append(sym)
            return len(results) - 1

        for name, t in tensors:
            arg = arg_of.get(id(t))  # an argument: each call's own tensor is written
            if isinstance(t.data, Traced):
                index = result_index(t.data, name)
                if t.data.__dict__.get("_sym") not in trace.inputs:
                    writebacks.append(_WriteBack(t, "data", index, arg))
                t.data = t.data.view(np.ndarray)
            grad = t.grad
            if grad is None:
                if t.requires_grad:
                    writebacks.append(_WriteBack(t, "grad", None, arg))
            elif isinstance(grad.data, Traced):
                writebacks.append(_WriteBack(t, "grad", result_index(grad.data, "d_" + name),
                                             arg))
                grad.data = grad.data.view(np.ndarray)
        output = _pack(result, trace, result_index)
        for _, _, _, message in trace.numbers.values():
            warnings.warn(message, TraceWarning, stacklevel=4)

        trace.release()
        # captured arrays still alive now belong to the caller's state; the others were
        # temporaries of the call (constants, or made afresh by each replay)
        captured: dict[Sym, np.ndarray] = {}
        persistent: set[Sym] = set()
        data_names = {id(t.data): name for name, t in tensors}
        for sym, ref, first_value in trace.captured.values():
            alive = ref() if ref is not None else None
            if sym.kind == "input":
                continue
            if sym in trace.persistent:
                captured[sym] = first_value  # the state array itself
                persistent.add(sym)
            elif alive is not None:
                captured[sym] = alive
                persistent.add(sym)
                if id(alive) in data_names:
                    names[sym] = data_names[id(alive)]
            else:
                captured[sym] = first_value
        program = generate(trace.instrs, trace.inputs, trace.scalars, captured, persistent,
                           results, names, min_buffer=self.min_buffer,
                           scratch=frozenset(trace.scratch))
        if program.baked:
            warnings.warn(f"compile: {len(program.baked)} branch(es) on traced values come "
                          f"after the step changed state (an update, a draw, running "
                          f"statistics), so the program cannot send a call back to eager mode "
                          f"there and keeps the branch as traced: "
                          f"{'; '.join(dict.fromkeys(program.baked))}", TraceWarning,
                          stacklevel=4)
        namespace = program.namespace
        code = builtins.compile(program.source, f"<tinygrad_edu.compile {self._name}>", "exec")
        exec(code, namespace)
        modules = [m for top in [*swapped_modules, *trace.modules.values()]
                   for m in top.modules()]
        entry.flags = list({id(m): (m, "training", m.training) for m in modules}.values())
        entry.flags += [(t, "requires_grad", t.requires_grad) for _, t in tensors]
        entry.program = program
        entry.function = namespace[program.function_name]
        entry.loads = [trace.loads[i] for i in program.inputs]
        entry.loaded = [(t, t.data, t.data.shape, t.data.dtype)
                        for kind, t in entry.loads if kind == "data"]
        entry.stamp_inputs = [k for k in program.written_inputs
                              if entry.loads[k][0] in ("data", "arg")]
        entry.uses = uses
        entry.n_scalars = len(trace.scalars)
        # a stateless optimizer (SGD) needs one _step_scalars call per shared slot set
        filled: set[int] = set()
        entry.calls_scalars = []
        for use in uses:
            if use.optimizer._scalars_change_state or not set(use.slots.values()) <= filled:
                entry.calls_scalars.append(use)
                filled.update(use.slots.values())
        entry.stateful = any(use.optimizer._scalars_change_state for use in uses)
        tensor_arrays = {id(t.data) for _, t in tensors}
        entry.stamped = [a for a in program.mutated if id(a) in tensor_arrays]
        entry.options = _fixed_options(uses)
        state_ids = {id(a) for s, a in captured.items() if s in persistent}
        entry.bound = [(t, t.data) for _, t in tensors if id(t.data) in state_ids]
        entry.writebacks = writebacks
        entry.output = output
        entry.draws = generators
        entry.zero_d = sorted({i for i, s in enumerate(results) if s.shape == ()})
        entry.verified = False

    # ------------------------------------------------------------------ replay
    def _replay(self, entry: _Entry, args: tuple) -> Any:
        """Run the program (its guards held when this is called)."""
        out = entry.replay(args)
        return self._after(entry, out, args) if type(out) is _Signal else out

    def _after(self, entry: _Entry, signal: _Signal, args: tuple) -> Any:
        """A replay that did not run to the end runs eagerly: a guard inside the program
        saw the other side of a branch, or an optimizer's per-step numbers changed what
        the program is (RAdam's rectification starting, a momentum set to or from 0:
        the next call traces anew)."""
        if signal is _CHANGED:
            _invalidate(entry)
            entry.warm = True
            entry.traces_lost += 1
            self.retraces += 1
        elif signal is _FALLBACK:
            entry.fallbacks += 1
        return self.fn(*args)

    @staticmethod
    def _make_replay(entry: _Entry) -> tuple[Callable[[tuple], bool], Callable[[tuple], Any]]:
        """``holds(args)`` and ``replay(args)``, written out for this signature (no loops
        over descriptions at each call).  ``holds``: the signature (Tensor arguments'
        shapes, dtypes, requires_grad; other arguments by value; grad mode) and every
        guard of the module docstring, one comparison a line.  ``replay``: the same
        checks, then the optimizers' Python half for the program's per-step numbers, the
        program, and the write-backs, version stamps and return value of the eager call;
        a `_Signal` when it cannot run to the end."""
        ns: dict[str, Any] = {"Tensor": Tensor, "ndarray": np.ndarray,
                              "is_grad_enabled": is_grad_enabled, "step": entry.function,
                              "wrap": _wrap, "asarray": np.asarray,
                              "new_version": new_version, "stamp": stamp,
                              "result": _result_tensor, "GuardFailed": GuardFailed,
                              "GUARDS_FAIL": _GUARDS_FAIL, "CHANGED": _CHANGED,
                              "FALLBACK": _FALLBACK, "restore": _restore,
                              "uses": entry.uses}

        def bind(value: Any) -> str:
            ns[f"v{len(ns)}"] = value
            return f"v{len(ns) - 1}"
        checks = _guard_lines(entry, bind)
        holds_src = "\n".join(["def holds(args):", *(f"    if {c}: return False" for c in checks),
                               "    return True"])
        lines = ["def replay(args):", *(f"    if {c}: return GUARDS_FAIL" for c in checks)]
        restore = []
        if entry.stateful:  # _step_scalars counts steps: undone if the program cannot run
            lines.append("    saved = [" + ", ".join(
                f"dict({bind(use.optimizer.state)}.get({bind(use.param)}, ()))"
                for use in entry.uses) + "]")
            restore = ["restore(uses, saved)"]
        slots: dict[int, str] = {}
        for j, use in enumerate(entry.calls_scalars):
            lines.append(f"    n{j} = {bind(use.optimizer._step_scalars)}({bind(use.group)}, "
                         f"{bind(use.optimizer.state)}.get({bind(use.param)}, {{}}))")
            changed = [f"n{j}.keys() != {bind(use.keys)}"] + [
                f"bool(n{j}[{k!r}]) is not {b}" for k, b in use.truth]
            give_up = "; ".join([*restore, "return CHANGED"])
            lines.append(f"    if {' or '.join(changed)}: {give_up}")
            slots.update({slot: f"n{j}[{k!r}]" for k, slot in use.slots.items()})
        scalars = [slots.get(i, "0.0") for i in range(entry.n_scalars)]
        lines += _glue_lines(entry, ns, scalars, restore)
        source = holds_src + "\n\n" + "\n".join(lines) + "\n"
        exec(builtins.compile(source, "<tinygrad_edu.compile glue>", "exec"),
             ns)  # our own generated source
        return ns["holds"], ns["replay"]

    def _verify(self, entry: _Entry, args: tuple) -> Any:
        """Replay, undo, run eagerly, compare (step 3 of the module docstring)."""
        snapshot = _Snapshot(entry, args)
        replayed = self._replay(entry, args)
        replay_state = snapshot.current()
        snapshot.restore()
        eager = self.fn(*args)
        eager_state = snapshot.current()
        problems = _compare(_flatten(replayed), _flatten(eager), "the returned value")
        for (label, a), (_, b) in zip(replay_state, eager_state):
            problems += _compare([a], [b], label)
        if problems:
            entry.program = entry.function = None
            raise TraceError(
                "compile: the traced program does not reproduce the eager call ("
                + "; ".join(problems[:3]) + "). A value probably left the trace (a NumPy "
                "call the tracer does not see, or Python state read inside the function). "
                "The eager result was kept; run without compile, or report it.")
        entry.verified = True
        return eager

    def explain(self) -> str:
        """One line per signature: calls so far, and whether it is traced and checked."""
        lines = []
        for key, e in self._entries.items():
            status = ("running eagerly (its state kept changing)" if e.eager
                      else "replaying" if e.program is not None and (e.verified or not self.check)
                      else "traced, checked at the next call" if e.program is not None
                      else "warming up")
            lines.append(f"{_describe(key)}: {e.calls} calls, {status}"
                         + (f", {e.program.lines} lines" if e.program else "")
                         + (f", {e.fallbacks} sent back to eager by a guard"
                            if e.fallbacks else ""))
        return "\n".join(lines)


# --------------------------------------------------------------------------- helpers
def _state_tensors(trace: Trace, uses: list[_OptimizerUse], args: tuple,
                   named: list[tuple[str, Tensor]]) -> list[tuple[str, Tensor]]:
    """The tensors whose ``data`` / ``grad`` the call may have replaced, named: those
    found before the call, the modules' parameters and buffers (by path), the optimized
    parameters, the arguments."""
    found: dict[int, tuple[str, Tensor]] = {id(t): (n, t) for n, t in named}
    module_tensors(list(trace.modules.values()), found)
    for use in uses:
        found.setdefault(id(use.param), (f"param{len(found)}", use.param))
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a.requires_grad:
            found.setdefault(id(a), (f"arg{i}", a))
    return list(found.values())


def _fixed_options(uses: list[_OptimizerUse]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each stepped group's options that are not step scalars: guarded, since the program
    holds their values."""
    seen: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for use in uses:
        if id(use.group) not in seen:
            passed = use.optimizer._scalar_options | use.keys  # program arguments
            fixed = {k: v for k, v in use.group.items() if k != "params" and k not in passed}
            seen[id(use.group)] = (use.group, copy.deepcopy(fixed))
    return list(seen.values())


def _pack(result: Any, trace: Trace, result_index: Callable[[Any, str], int]) -> Any:
    """The return value's structure, with each traced Tensor replaced by its result index."""
    if isinstance(result, Tensor):
        if result._ctx is not None and result._ctx.next is not None:
            raise TraceError(
                "compile: the function returned a tensor whose graph is still alive. "
                "tinygrad_edu.compile takes a whole step: call backward() (and the "
                "optimizer) inside the function, or compile evaluation under no_grad(); "
                "unlike torch.compile(model), a compiled model's output cannot be "
                "backpropagated outside")
        if isinstance(result.data, Traced):
            index = result_index(result.data, "result")
            result.data = result.data.view(np.ndarray)
            return ("tensor", (index, result._ctx))  # its grad_fn: freed, as eager's
        return ("const", result)
    if isinstance(result, tuple | list):
        return (type(result), [_pack(r, trace, result_index) for r in result])
    if isinstance(result, dict):
        return (dict, {k: _pack(v, trace, result_index) for k, v in result.items()})
    if isinstance(result, Traced):
        raise TraceError("compile: return Tensors, not the arrays inside them")
    number = trace.numbers.get(id(result))
    if number is not None and number[0] is result and number[1] is not None:
        trace.numbers.pop(id(result))  # loss.item() returned: read from each call's result
        return ("number", (result_index(number[1], "result"), number[2]))
    return ("const", result)


def _describe(spec: tuple) -> str:
    """A signature for people: ``(Tensor (32, 4) float32, 3), grad on``."""
    parts = [f"Tensor {p[1]} {p[2]}" + (" requires_grad" if p[3] else "") if p[0] is Tensor
             else repr(p[2]) for p in spec[1:]]
    return f"({', '.join(parts)}), grad {'on' if spec[0] else 'off'}"


def _invalidate(entry: _Entry) -> None:
    """Forget the program: the next call of the signature warms up and traces again."""
    entry.program = entry.function = None
    entry.verified = entry.warm = False


# --------------------------------------------------------------------------- generated glue
class _Signal:
    """What a generated replay returns instead of a result when it cannot run to the end."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}>"


_GUARDS_FAIL = _Signal("a guard failed: not this signature's program")
_CHANGED = _Signal("an optimizer's per-step numbers changed the program")
_FALLBACK = _Signal("a branch inside the program went the other way")


def _guard_lines(entry: _Entry, bind: Callable[[Any], str]) -> list[str]:
    """The conditions under which ``entry``'s program must not run, one per guard."""
    out = [f"len(args) != {len(entry.spec) - 1} or is_grad_enabled() is not {entry.spec[0]}"]
    for i, part in enumerate(entry.spec[1:]):
        if part[0] is Tensor:
            out += [f"type(args[{i}]) is not Tensor or args[{i}].requires_grad is not "
                    f"{part[3]}",
                    f"args[{i}].data.shape != {part[1]!r} or args[{i}].data.dtype != "
                    f"{bind(part[2])}"]
        else:
            out.append(f"type(args[{i}]) is not {bind(part[1])} or args[{i}] != "
                       f"{bind(part[2])}")
    for t, array in entry.bound:
        out.append(f"{bind(t)}.data is not {bind(array)}")
    for t, array, shape, dtype in entry.loaded:  # a replaced array must fit the program
        d = f"{bind(t)}.data"
        out.append(f"{d} is not {bind(array)} and (type({d}) is not ndarray or {d}.shape != "
                   f"{shape!r} or {d}.dtype != {bind(dtype)})")
    for holder, key, value in entry.states:  # optimizer state (load_state_dict...)
        out.append(f"{bind(holder)}.get({bind(key)}) is not {bind(value)}")
    for group, fixed in entry.options:
        for k, v in fixed.items():
            x, fixed_value = f"{bind(group)}.get({k!r})", bind(v)
            out.append(f"{x} is not {fixed_value} and {x} != {fixed_value}")
    for obj, attr, value in entry.flags:  # module.training, tensor.requires_grad
        out.append(f"{bind(obj)}.{attr} is not {value}")
    for container, size in entry.sizes:
        out.append(f"len({bind(container)}) != {size}")
    for kind, t in entry.loads:  # a gradient the program accumulates into
        if kind == "grad":
            out.append(f"{bind(t)}.grad is None")
    return out


def _glue_lines(entry: _Entry, ns: dict[str, Any], scalars: list[str],
                restore: list[str]) -> list[str]:
    """Load the arrays, run the program, make the write-backs and version stamps the
    eager call makes, build the return value (the body of the generated ``replay``)."""
    lines = []
    for i, (kind, k) in enumerate(entry.loads):
        if kind == "arg":
            lines.append(f"    a{i} = args[{k}].data")
        else:
            ns[f"t{i}"] = k
            lines.append(f"    a{i} = t{i}.{'data' if kind == 'data' else 'grad.data'}")
    arguments = ", ".join([*(f"a{i}" for i in range(len(entry.loads))), *scalars])
    assert entry.program is not None
    if entry.program.rewinds:  # a guard after a draw: the generators as they were
        ns["generators"] = [g.bit_generator for g in entry.draws]
        lines.append("    drawn = [g.state for g in generators]")
        restore = [*restore, "for g, s in zip(generators, drawn): g.state = s"]
    lines += ["    try:", f"        out = step({arguments})", "    except GuardFailed:",
              *(f"        {line}" for line in [*restore, "return FALLBACK"])]
    for i in entry.zero_d:  # a reduction to 0-d gives a NumPy scalar: an array here
        lines.append(f"    r{i} = out[{i}] if type(out[{i}]) is ndarray else asarray(out[{i}])")

    def res(i: int) -> str:
        return f"r{i}" if i in entry.zero_d else f"out[{i}]"
    for j, wb in enumerate(entry.writebacks):
        ns[f"w{j}"] = wb.tensor
        target = f"w{j}" if wb.arg is None else f"args[{wb.arg}]"
        value = ("None" if wb.index is None else res(wb.index) if wb.what == "data"
                 else f"wrap({res(wb.index)})")
        lines.append(f"    {target}.{wb.what} = {value}")
    if entry.stamped or entry.stamp_inputs:
        lines.append("    version = new_version()")
        for j, a in enumerate(entry.stamped):
            ns[f"s{j}"] = counter_of(a)
            lines.append(f"    s{j}.version = version")
        for i in entry.stamp_inputs:  # the array of the trace, unless it was replaced
            kind, k = entry.loads[i]
            if kind == "data":
                ns[f"A{i}"], ns[f"C{i}"] = k.data, counter_of(k.data)
                lines.append(f"    if a{i} is A{i}: C{i}.version = version")
                lines.append(f"    else: stamp(a{i}, version)")
            else:
                lines.append(f"    stamp(a{i}, version)")

    def build(spec: Any) -> str:
        kind, value = spec
        if kind == "tensor":
            ns[f"ctx{len(ns)}"] = value[1]
            return f"result({res(value[0])}, ctx{len(ns) - 1})"
        if kind == "number":
            return f"{res(value[0])}.{value[1]}()"
        if kind == "const":
            ns[f"c{len(ns)}"] = value
            return f"c{len(ns) - 1}"
        if kind is dict:
            return "{" + ", ".join(f"{k!r}: {build(v)}" for k, v in value.items()) + "}"
        items = [build(v) for v in value]
        body = ", ".join(items) + ("," if len(items) == 1 else "")
        return f"[{body}]" if kind is list else f"({body})" if kind is tuple else \
            f"{_bind(ns, kind)}(({body}))"
    lines.append(f"    return {build(entry.output)}")
    return lines


def _restore(uses: list[_OptimizerUse], saved: list[dict[str, Any]]) -> None:
    """Undo the Python half of the optimizers' steps (a replay that falls back)."""
    for use, state in zip(uses, saved):
        use.optimizer.state.get(use.param, {}).update(state)


def _result_tensor(array: np.ndarray, ctx: Any) -> Tensor:
    """A returned tensor; with the traced call's freed node, so that backward() raises as
    after the eager call (its graph was used inside the step)."""
    t = _wrap(array)
    if ctx is not None:
        t._ctx, t.requires_grad = ctx, True
    return t


def _bind(ns: dict[str, Any], value: Any) -> str:
    ns[f"k{len(ns)}"] = value
    return f"k{len(ns) - 1}"


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, Tensor):
        return [value.data]
    if isinstance(value, tuple | list):
        return [x for v in value for x in _flatten(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    return [value]


def _compare(a: list[Any], b: list[Any], label: str) -> list[str]:
    problems = []
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            x, y = np.asarray(x), np.asarray(y)
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                diff = (np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)))
                        if x.shape == y.shape and x.dtype.kind in "fiu" else "shape")
                problems.append(f"{label} differs (max difference {diff})")
        elif x != y and not (x is None and y is None):
            problems.append(f"{label}: {x!r} vs {y!r}")
    if len(a) != len(b):
        problems.append(f"{label} has a different structure")
    return problems


class _Snapshot:
    """Everything a replay changes, saved so that `_verify` can undo it."""

    def __init__(self, entry: _Entry, args: tuple) -> None:
        assert entry.program is not None
        self.entry = entry
        self.arrays = [(a, a.copy()) for a in entry.program.mutated]
        # the arguments and the tensors the program takes: it may change them in place
        self.arrays += [(a.data, a.data.copy()) for a in args if isinstance(a, Tensor)]
        self.arrays += [(t.data, t.data.copy()) for kind, t in entry.loads if kind == "data"]
        self.loaded = [(t, t.data, t.grad) for kind, t in entry.loads if kind != "arg"]
        self.args = [(a, a.data, a.grad) for a in args if isinstance(a, Tensor)]
        self.written = [wb.tensor if wb.arg is None else args[wb.arg]
                        for wb in entry.writebacks]
        self.tensors = [(t, t.data, t.grad) for t in self.written]
        self.states = [(use.optimizer.state, use.param,
                        {k: v for k, v in use.optimizer.state.get(use.param, {}).items()
                         if not isinstance(v, np.ndarray)}) for use in entry.uses]
        self.rngs = [(g, copy.deepcopy(g.bit_generator.state)) for g in entry.draws]

    def restore(self) -> None:
        for t, data, grad in self.args + self.loaded:
            t.data, t.grad = data, grad
        for a, saved in self.arrays:
            np.copyto(a, saved)
        for t, data, grad in self.tensors:
            t.data, t.grad = data, grad
        for state, p, scalars in self.states:
            if p in state:
                state[p].update(scalars)
        for g, s in self.rngs:
            g.bit_generator.state = s

    def current(self) -> list[tuple[str, Any]]:
        """Copies of the values a step changes, labelled, in a fixed order."""
        out: list[tuple[str, Any]] = []
        for i, (a, _) in enumerate(self.arrays):
            out.append((f"state array {i} {a.shape}", a.copy()))
        for wb, t in zip(self.entry.writebacks, self.written):
            value = getattr(t, wb.what)
            value = None if value is None else (value.data if isinstance(value, Tensor)
                                                else value).copy()
            out.append((f"the {wb.what} of a tensor of shape {t.shape}", value))
        for state, p, _ in self.states:
            for k, v in state.get(p, {}).items():
                if not isinstance(v, np.ndarray):
                    out.append((f"optimizer state {k!r}", v))
        return out


@overload
def compile(fn: Callable[P, R], *, check: bool = ..., cache_size: int = ...,
            min_buffer: int = ...) -> CompiledFunction[P, R]: ...


@overload
def compile(fn: None = None, *, check: bool = ..., cache_size: int = ...,
            min_buffer: int = ...) -> Callable[[Callable[P, R]], CompiledFunction[P, R]]: ...


def compile(fn: Callable[P, R] | None = None, *, check: bool = True,
            cache_size: int = 8, min_buffer: int = 4096) -> Any:
    """Compile a training (or evaluation) step: ``step = tinygrad_edu.compile(fn)``, or as
    a decorator (``@compile`` / ``@compile(check=False)``).  See `CompiledFunction` and
    the module docstring for what happens at each call.

    ``check`` compares the first replay with an eager call (default on; it costs one
    extra call per signature); ``cache_size`` signatures are kept; results of at least
    ``min_buffer`` elements are computed into preallocated buffers.
    """
    if fn is None:
        return functools.partial(compile, check=check, cache_size=cache_size,
                                 min_buffer=min_buffer)
    return CompiledFunction(fn, check=check, cache_size=cache_size, min_buffer=min_buffer)
