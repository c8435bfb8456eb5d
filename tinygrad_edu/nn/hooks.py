"""Module hooks (PyTorch's): forward pre-hooks, forward hooks and full backward hooks.

``module(*args)`` runs, when the module has hooks: each pre-hook ``hook(module, args)``
(a non-None result replaces ``args``; a single value is wrapped in a tuple), ``forward``,
each forward hook ``hook(module, args, output)`` (a non-None result replaces the output),
and, for backward hooks, wraps the inputs and outputs in `_Pack` nodes: one node for all
tensor inputs that require grad and one for all tensor outputs, so that each node's
backward sees every gradient of its side at once.  The output node records
``grad_output``; the input node then calls ``hook(module, grad_input, grad_output)`` (a
non-None result replaces ``grad_input``).  Both are tuples with one entry per positional
input / output, as in PyTorch: None for a non-tensor (and for every input when none
requires grad), zeros for a tensor input that does not require grad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor, _wrap


class ModuleHooks:
    """The hooks of one module, in registration order."""

    def __init__(self) -> None:
        self.forward_pre: list[Callable] = []
        self.forward: list[Callable] = []
        self.backward: list[Callable] = []


class _Pack(Function):
    """out = the inputs flattened and concatenated;  the gradient is cut back into pieces of
    the inputs' shapes and handed to ``on_grads``, which may replace them."""

    saves_inputs = saves_output = False

    def forward(self, *arrays, on_grads=None):
        self.shapes = [a.shape for a in arrays]
        self.on_grads = on_grads
        return np.concatenate([a.reshape(-1) for a in arrays])

    def backward(self, g, out, *arrays):
        pieces, start = [], 0
        for shape in self.shapes:
            n = int(np.prod(shape))
            pieces.append(g[start:start + n].reshape(shape))
            start += n
        return tuple(self.on_grads(pieces))


def _pack(values: tuple, on_grads: Callable) -> tuple[tuple, list[int]]:
    """``values`` with the tensors that require grad replaced by views of one `_Pack` node;
    also the positions replaced."""
    where = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not where:
        return values, where
    packed = _Pack.apply(*(values[i] for i in where), on_grads=on_grads)
    out, start = list(values), 0
    for i in where:
        v = values[i]
        n = v.numel()  # each view back in its own dtype (the pack has the widest)
        out[i] = ops.astype(packed[start:start + n].reshape(v.shape), v.dtype)
        start += n
    return tuple(out), where


def _as_tensor(g: Any) -> Tensor:
    return g if isinstance(g, Tensor) else _wrap(np.asarray(g))


class _BackwardHooks:
    """One call's bookkeeping for the full backward hooks."""

    def __init__(self, module: Any, hooks: list[Callable]) -> None:
        self.module, self.hooks = module, hooks
        self.n_inputs = 0
        self.input_positions: list[int] = []
        self.grad_output: tuple = ()

    def wrap_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        # PyTorch's grad_input for a tensor that does not require grad: zeros
        self.tensor_inputs = {i: (a.shape, a.dtype) for i, a in enumerate(args)
                              if isinstance(a, Tensor)}
        args, self.input_positions = _pack(args, self.on_input_grads)
        return args

    def wrap_outputs(self, out: Any) -> Any:
        outs = out if isinstance(out, tuple) else (out,)
        self.n_outputs = len(outs)
        outs, self.output_positions = _pack(outs, self.on_output_grads)
        return outs if isinstance(out, tuple) else outs[0]

    def on_output_grads(self, pieces: list) -> list:
        grads: list[Any] = [None] * self.n_outputs
        for i, g in zip(self.output_positions, pieces):
            grads[i] = _as_tensor(g)
        self.grad_output = tuple(grads)
        if not self.input_positions:  # no input wants a gradient: no input node will run
            self.call_hooks((None,) * self.n_inputs)
        return pieces

    def on_input_grads(self, pieces: list) -> list:
        grads: list[Any] = [None] * self.n_inputs
        for i, (shape, dtype) in self.tensor_inputs.items():
            grads[i] = _wrap(np.zeros(shape, dtype))
        for i, g in zip(self.input_positions, pieces):
            grads[i] = _as_tensor(g)
        hooked = self.call_hooks(tuple(grads))
        plain = not isinstance(pieces[0], Tensor)
        return [None if hooked[i] is None else (hooked[i].data if plain else hooked[i])
                for i in self.input_positions]

    def call_hooks(self, grad_input: tuple) -> tuple:
        name = type(self.module).__name__
        for hook in list(self.hooks):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = tuple(res)
                if len(res) != len(grad_input):
                    raise RuntimeError(f"backward hook of {name} returned {len(res)} "
                                       f"gradients for {len(grad_input)} inputs")
                grad_input = tuple(None if r is None else _as_tensor(r) for r in res)
        return grad_input


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks (see the module docstring)."""
    hooks: ModuleHooks = module._hooks
    for hook in list(hooks.forward_pre):
        res = hook(module, args)
        if res is not None:
            args = res if isinstance(res, tuple) else (res,)
    backward = _BackwardHooks(module, hooks.backward) if hooks.backward and \
        is_grad_enabled() else None
    if backward is not None:
        args = backward.wrap_inputs(args)
    out = module.forward(*args, **kwargs)
    for hook in list(hooks.forward):
        res = hook(module, args, out)
        if res is not None:
            out = res
    if backward is not None:
        out = backward.wrap_outputs(out)
    return out
