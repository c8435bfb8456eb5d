"""`Module`: the base class of layers and networks, with PyTorch's registration rules.

Assigning a `Parameter` or a `Module` to an attribute registers it (``__setattr__``), so
``parameters()``, ``state_dict()`` and the repr find it; `register_buffer` registers
non-trainable state.  Registered objects also stay ordinary attributes, so reading
``self.weight`` in a hot loop costs a plain attribute lookup.

State-dict keys are the dotted attribute paths (``"0.weight"``, ``"encoder.fc.bias"``),
exactly PyTorch's, and the values are Tensors sharing memory with the module.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, cast

import numpy as np

from ..autograd import mark_changed
from ..device import as_device, to_args
from ..tensor import RemovableHandle, Tensor
from .hooks import ModuleHooks, call_with_hooks
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (how PyTorch nests child reprs)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def reset_grads(parameters: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of ``parameters``: to None, or to a new zero tensor.

    Zeros are new arrays rather than written in place: a gradient recorded with
    ``create_graph=True`` may share memory with other tensors of the graph.
    """
    for p in parameters:
        if set_to_none:
            p.grad = None
        elif p.grad is not None:
            p.grad = Tensor(np.zeros_like(p.grad.data))


class Module:
    """Base class of all layers: subclasses set attributes in ``__init__`` and define ``forward``.

    ``module(*args)`` calls ``forward(*args)``.  ``training`` (set by ``train()`` /
    ``eval()``) switches layers such as `Dropout`.
    """

    training: bool
    _parameters: dict[str, Parameter | None]  # the registries (set in __init__)
    _buffers: dict[str, Tensor | None]
    _non_persistent: set[str]
    _modules: dict[str, Module | None]
    _hooks: ModuleHooks | None = None  # created by the first register_*_hook

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent"] = set()
        d["_modules"] = {}

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._hooks is None:
            return self.forward(*args, **kwargs)
        return call_with_hooks(self, args, kwargs)

    # ------------------------------------------------------------------ hooks
    def _hook_list(self, kind: str) -> list[Callable]:
        if self._hooks is None:
            self.__dict__["_hooks"] = ModuleHooks()
        return getattr(self._hooks, kind)

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args)`` before each forward; a non-None result replaces ``args``
        (a single value becomes a 1-tuple).  Returns a handle with ``remove()``."""
        hooks = self._hook_list("forward_pre")
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args, output)`` after each forward; a non-None result replaces
        the output.  Returns a handle with ``remove()``."""
        hooks = self._hook_list("forward")
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_full_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's positional tensor inputs are computed (tuples, None where an input or
        output is not a tensor that requires grad); a non-None result replaces
        ``grad_input``.  Returns a handle with ``remove()``."""
        hooks = self._hook_list("backward")
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    # ------------------------------------------------------------------ registration
    _KINDS = ("_parameters", "_buffers", "_modules")

    def _store(self, kind: str, name: str, value: Any) -> None:
        """Put ``value`` in registry ``kind`` (and nowhere else) and in ``__dict__``."""
        registry = self.__dict__.get(kind)
        if registry is None:
            raise AttributeError(f"cannot assign to {type(self).__name__} before "
                                 f"Module.__init__() was called")
        registry[name] = value
        for other in self._KINDS:
            if other != kind:
                self.__dict__[other].pop(name, None)
        self._non_persistent.discard(name)
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            self._store("_parameters", name, value)
        elif isinstance(value, Module):
            self._store("_modules", name, value)
        else:
            for kind, expected in (("_parameters", Parameter), ("_modules", Module),
                                   ("_buffers", Tensor)):
                if name in d.get(kind, ()):
                    if value is not None and not isinstance(value, expected):
                        raise TypeError(f"cannot assign '{type(value).__name__}' as "
                                        f"{kind[1:-1]} '{name}' ({expected.__name__} or None "
                                        f"expected)")
                    d[kind][name] = value
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for kind in self._KINDS:
            self.__dict__[kind].pop(name, None)
        self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def _register(self, kind: str, name: str, value: Any, expected: type) -> None:
        """``register_*``: check the name and the type, then store."""
        if not isinstance(name, str):
            raise TypeError(f"{kind[1:-1]} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{kind[1:-1]} name can't be empty or contain \".\", got {name!r}")
        if hasattr(self, name) and not any(name in self.__dict__.get(k, ()) for k in self._KINDS):
            raise KeyError(f"attribute '{name}' already exists")
        if value is not None and not isinstance(value, expected):
            raise TypeError(f"cannot assign '{type(value).__name__}' object to {kind[1:-1]} "
                            f"'{name}' ({expected.__name__} or None required)")
        self._store(kind, name, value)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or a None placeholder, as ``Linear(bias=False)`` does)."""
        self._register("_parameters", name, param, Parameter)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register non-trainable state; persistent buffers are saved in ``state_dict()``."""
        self._register("_buffers", name, tensor, Tensor)
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a child module under ``name`` (``self.name = module`` does the same)."""
        self._register("_modules", name, module, Module)

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all below it, each once, with dotted names ("" for self)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            children = [(f"{name}.{k}" if name else k, c)
                        for k, c in m._modules.items() if c is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all below it, each once (depth first, registration order)."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules (each once)."""
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules (each once)."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, kind: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        mods = self.named_modules() if recurse else [("", self)]
        for prefix, m in mods:
            for name, t in m.__dict__[kind].items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{prefix}.{name}" if prefix else name), t

    def named_parameters(self, recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each parameter once (shared ones under their
        first name)."""
        return cast("Iterator[tuple[str, Parameter]]", self._named_members("_parameters", recurse))

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in registration order (what optimizers take)."""
        for _, p in self.named_parameters(recurse):
            yield p

    def named_buffers(self, recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, persistent or not."""
        return self._named_members("_buffers", recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer once."""
        for _, b in self.named_buffers(recurse):
            yield b

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``training = mode``) here and in every sub-module; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """``train(False)``: Dropout becomes the identity."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter (freeze with False); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` (to None by default, like PyTorch 2)."""
        reset_grads(self.parameters(), set_to_none)

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Module:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``: convert floating parameters
        and buffers to ``dtype`` in place (objects are kept); the device must be the CPU."""
        dtype, device = to_args(args, dtype, device)
        as_device(device, f"{type(self).__name__}.to")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: expected a floating dtype, got {dtype}")
        for t in [*self.parameters(), *self.buffers()]:
            if t.data.dtype.kind == "f":
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.data, dtype=dtype)
        return self

    def double(self) -> Module:
        """``to(float64)``: what gradcheck and SciPy's line searches want."""
        return self.to(np.float64)

    def float(self) -> Module:
        """``to(float32)``."""
        return self.to(np.float32)

    def cpu(self) -> Module:
        """The module itself: everything lives on the CPU."""
        return self

    # ------------------------------------------------------------------ state dict
    def state_dict(self, *, destination: OrderedDict[str, Tensor] | None = None,
                   prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, as detached Tensors sharing
        memory with the module (``keep_vars=True`` gives the Parameters themselves).

        Like PyTorch, a module registered under two names appears under both.
        """
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=out, prefix=f"{prefix}{name}.", keep_vars=keep_vars)
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors, ndarrays, or anything ``np.asarray`` takes) into the
        existing arrays, casting to their dtype.

        Nothing is copied unless every shape matches; with ``strict`` missing and unexpected
        keys are errors too.  The error lists all problems, in PyTorch's words.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict:
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.append(f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.append(f"Missing key(s) in state_dict: {keys}. ")
        copies = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model "
                              f"is {target.shape}.")
            copies.append((target, value))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                               "\n\t" + "\n\t".join(errors))
        for target, value in copies:
            np.copyto(target.data, value, casting="unsafe")
            mark_changed(target)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses (subclasses override)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): {_addindent(repr(m), 2)}" for name, m in self._modules.items()]
        body = ""
        if len(lines) == 1 and not children:
            body = lines[0]
        elif lines or children:
            body = "\n  " + "\n  ".join(lines + children) + "\n"
        return f"{type(self).__name__}({body})"
