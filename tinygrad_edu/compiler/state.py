"""What a step reads and changes, found before it runs and swapped for traced views while it
is traced.

`discover` follows the step function (its closure, the globals it names, its defaults, a
bound method's object, the functions it calls) to the modules, optimizers and bare tensors it
can reach; `Swapped` replaces their arrays by traced views for the duration of the trace --
parameters' and gradients' arrays as the program's arguments, optimizer buffers as state
changed in place -- and puts them back afterwards.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn.module import Module
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from .trace import Trace, Traced


@dataclass
class Found:
    """What `discover` finds: modules, optimizers, and tensors that require grad held
    directly (a bare ``w = tg.Tensor(..., requires_grad=True)``), by their variable name."""

    modules: list[Module]
    optimizers: list[Optimizer]
    tensors: list[tuple[str, Tensor]]


def discover(fn: Callable[..., Any], args: tuple) -> Found:
    """The modules, optimizers and tensors ``fn`` can reach before it runs: its closure,
    the globals its code names, its default arguments, a bound method's object, its
    arguments -- and, one level down, lists, tuples and dicts of them or the attributes of
    plain objects.  (An optimizer found only when it steps is added then.)"""
    candidates: list[tuple[str, Any]] = [(f"arg{i}", a) for i, a in enumerate(args)]
    functions = [fn]
    seen: set[int] = set()
    while functions:  # the function, what it wraps, the functions in its closure
        f: Any = functions.pop()
        if id(f) in seen or len(seen) > 50:
            continue
        seen.add(id(f))
        if hasattr(f, "__wrapped__"):  # functools.wraps: no_grad(), compile ...
            functions.append(f.__wrapped__)
        if not inspect.isroutine(f):  # a module, or another callable object
            candidates.append(("self", f))
            f = vars(type(f)).get("__call__")  # its own __call__'s globals, if any
        if inspect.ismethod(f):
            candidates.append(("self", f.__self__))
            f = f.__func__
        code = getattr(f, "__code__", None)
        if code is None:
            continue
        names = set(code.co_names)
        for const in code.co_consts:  # nested functions and comprehensions
            if inspect.iscode(const):
                names.update(const.co_names)
        g = getattr(f, "__globals__", {})
        candidates += [(n, g[n]) for n in sorted(names) if n in g]
        functions += [g[n] for n in sorted(names) if n in g and inspect.isfunction(g[n])]
        defaults = getattr(f, "__defaults__", None) or ()
        positional = code.co_varnames[:code.co_argcount]
        candidates += list(zip(positional[len(positional) - len(defaults):], defaults))
        candidates += list((getattr(f, "__kwdefaults__", None) or {}).items())
        for name, cell in zip(code.co_freevars, getattr(f, "__closure__", None) or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            candidates.append((name, value))
            if inspect.isfunction(value):
                functions.append(value)
    found = Found([], [], [])
    seen_objects: set[int] = set()

    def take(name: str, obj: Any, depth: int) -> None:
        if id(obj) in seen_objects:
            return
        seen_objects.add(id(obj))
        if isinstance(obj, Module):
            found.modules.append(obj)
        elif isinstance(obj, Optimizer):
            found.optimizers.append(obj)
        elif isinstance(obj, Tensor):  # (the arguments are the program's inputs)
            if obj.requires_grad and obj.is_leaf and all(obj is not a for a in args):
                found.tensors.append((name, obj))
        elif depth and isinstance(obj, list | tuple):
            for i, x in enumerate(obj):
                take(f"{name}{i}", x, depth - 1)
        elif depth and isinstance(obj, dict):
            for k, x in obj.items():
                take(str(k), x, depth - 1)
        elif depth and hasattr(obj, "__dict__") and not isinstance(
                obj, type | types.ModuleType | types.FunctionType):
            for k, x in vars(obj).items():
                take(k, x, depth - 1)

    for name, c in candidates:
        take(name, c, 2)
    return found


class Swapped:
    """For the duration of a trace, the discovered state arrays (parameters, buffers,
    their gradients, optimizer buffers) are replaced by traced views of themselves."""

    def __init__(self, trace: Trace, found: Found) -> None:
        modules, optimizers = found.modules, found.optimizers
        self.trace = trace
        self.modules = modules
        self.named = named_tensors(modules, optimizers)
        known = {id(t) for _, t in self.named}
        self.named += [(n, t) for n, t in found.tensors if id(t) not in known]
        self.tensors: list[tuple[Tensor, np.ndarray, Traced]] = []
        self.states: list[tuple[dict[Any, Any], Any, np.ndarray, Traced]] = []
        self.names = {id(t): name for name, t in self.named}
        self.optimizers: set[int] = set()
        for name, t in self.named:
            self.add_tensor(name, t)
        for opt in optimizers:
            self.add_optimizer(opt)

    def add_tensor(self, name: str, t: Tensor) -> None:
        """Swap ``t``'s array and its gradient's for traced views that the program takes
        as arguments: each call reads the tensor's array of the moment (a step may
        replace it: ``p.data = p.data - lr * p.grad.data``, or accumulate into ``.grad``).
        An array the trace has already read as a constant (an optimizer found only at its
        step) stays state, read and changed in place where it is."""
        if not isinstance(t.data, Traced):
            if id(t.data) in self.trace.captured:
                view = self.trace.state(t.data, name)
            else:
                view = self.trace.input(t.data, name, ("data", t))
            self.tensors.append((t, t.data, view))
            t.data = view
        grad = t.grad
        if grad is not None and not isinstance(grad.data, Traced):
            view = self.trace.input(grad.data, "d_" + name, ("grad", t))
            self.tensors.append((grad, grad.data, view))
            grad.data = view

    def add_optimizer(self, opt: Optimizer) -> None:
        """Swap an optimizer's parameters, state arrays and scratch arrays (SGD's) for
        traced views; called again from the step for an optimizer found only then."""
        if id(opt) in self.optimizers:
            return
        self.optimizers.add(id(opt))
        for group in opt.param_groups:
            for p in group["params"]:
                if id(p) not in self.names:
                    self.names[id(p)] = name = f"param{len(self.names)}"
                    self.named.append((name, p))
                    self.add_tensor(name, p)
        slots: list[tuple[dict[Any, Any], Any, Any, str, bool]]
        slots = [(value, p, v, attr.strip("_"), attr in opt._scratch_attrs)
                 for attr, value in vars(opt).items()
                 if attr != "state" and isinstance(value, dict)
                 for p, v in value.items() if isinstance(p, Tensor)]
        slots += [(state, k, v, k, False) for p, state in opt.state.items()
                  for k, v in state.items()]
        for holder, key, v, label, scratch in slots:
            if isinstance(v, np.ndarray) and not isinstance(v, Traced):
                p = key if isinstance(key, Tensor) else next(
                    (q for q, s in opt.state.items() if s is holder), None)
                view = self.trace.state(v, f"{self.names.get(id(p), 'p')}_{label}", scratch)
                self.states.append((holder, key, v, view))
                holder[key] = view

    def restore(self) -> None:
        """Put the arrays back where the call left their views (a replaced one stays)."""
        for t, original, view in self.tensors:
            if t.data is view:
                t.data = original
        for state, k, original, view in self.states:
            if state.get(k) is view:
                state[k] = original


def named_tensors(modules: list[Module], optimizers: list[Optimizer]
                   ) -> list[tuple[str, Tensor]]:
    """Parameters and buffers by their path in the outermost modules, then the optimized
    parameters no module names (``param<i>``)."""
    found: dict[int, tuple[str, Tensor]] = {}
    module_tensors(modules, found)
    for opt in optimizers:
        for group in opt.param_groups:
            for p in group["params"]:
                found.setdefault(id(p), (f"param{len(found)}", p))
    return list(found.values())


def module_tensors(modules: list[Module], found: dict[int, tuple[str, Tensor]]) -> None:
    """Add the parameters and buffers of the outermost of ``modules``, by path."""
    inner = {id(m) for top in modules for _, m in top.named_modules() if m is not top}
    for m in modules:
        if id(m) not in inner:
            for name, t in [*m.named_parameters(), *m.named_buffers()]:
                found.setdefault(id(t), (name, t))
