"""`Optimizer`: parameter groups, per-parameter state, the shared update loop, and
PyTorch's state-dict layout.

The loop (`Optimizer.step`) visits every parameter that has a ``.grad``, negates the
gradient under ``maximize=True``, creates the parameter's state on its first step
(``_init_state``) and runs the update in two halves: ``_step_scalars(group, state)``, the
Python half, counts ``state["step"]`` and returns the numbers that change from step to
step (the learning rate, bias corrections); ``_update(x, g, state, group, scalars)``, the
array half, changes ``x`` (the parameter's data) in place with NumPy, outside the graph.
The split is what lets `tinygrad_edu.compile` replay the array half as a program and
recompute only the Python half at each call (PyTorch's optimizers are "capturable" for
the same reason).  Then the parameter is stamped as changed in place (`autograd.stamp`), so
a graph recorded before the step refuses to backward through the old values.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad, new_version, stamp
from ..nn.module import reset_grads
from ..tensor import Tensor, _wrap

ParamGroups = Iterable[Tensor] | Iterable[dict[str, Any]]
StepScalars = dict[str, float]
CaptureHook = Callable[["Optimizer", dict[str, Any], Tensor, StepScalars], StepScalars]


class _Capture(threading.local):
    hook: CaptureHook | None = None  # set by tinygrad_edu.compiler while it traces a step


_capture = _Capture()


def set_capture_hook(hook: CaptureHook | None) -> CaptureHook | None:
    """Let ``hook(optimizer, group, p, scalars)`` see (and replace) the per-step numbers of
    each parameter's update in this thread; returns the previous hook.  The compiler uses it
    to make them arguments of the traced program instead of constants."""
    previous, _capture.hook = _capture.hook, hook
    return previous


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of Tensors, or of dicts (parameter groups) each holding
    ``"params"`` and any options that override ``defaults`` for that group.
    ``state[p]`` holds each parameter's buffers (ndarrays) and counters.
    """

    _scalars = frozenset({"step"})  # state entries that are numbers, not arrays
    _scalars_change_state = True    # whether _step_scalars advances the state (step counts)
    _scalar_options = frozenset({"lr"})  # group options _step_scalars hands over
    _structural_scalars: frozenset[str] = frozenset()  # ...whose zero-ness shapes the update
    _scratch_attrs: frozenset[str] = frozenset()  # dicts of arrays nothing reads after a step

    def __init__(self, params: ParamGroups, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        groups = _ordered(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: its ``"params"`` plus options (missing ones from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else _ordered(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        if any(id(p) in ids for g in self.param_groups for p in g["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the ``.grad`` of every parameter (to None by default, like PyTorch 2)."""
        reset_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient once; returns ``closure()``'s loss
        (the closure re-evaluates the loss and is optional)."""
        loss = self._eval_closure(closure)
        version = new_version()  # graphs recorded before the step can't backward through p
        capture = _capture.hook
        for group in self.param_groups:
            maximize = group.get("maximize", False)
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                x = p.data
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self._init_state(x, group)
                scalars = self._step_scalars(group, state)
                if capture is not None:  # it may swap p's and the state's arrays for traced
                    scalars = capture(self, group, p, scalars)
                    x, grad = p.data, p.grad
                self._update(x, -grad.data if maximize else grad.data, state, group, scalars)
                stamp(x, version)
        return loss

    def _init_state(self, x: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        """A parameter's state before its first step: ``step`` 0 and zeroed buffers."""
        return {"step": 0}

    def _step_scalars(self, group: dict[str, Any], state: dict[str, Any]) -> StepScalars:
        """The Python half of one parameter's step: count it (``state["step"]`` becomes
        t >= 1) and return the numbers `_update` reads that may change between steps:
        ``lr`` and, with decoupled weight decay, ``shrink`` = 1 - lr weight_decay.
        Subclasses add their own (bias corrections); everything else `_update` reads from
        ``group`` is a fixed option."""
        state["step"] += 1
        scalars = {"lr": group["lr"]}
        if group["weight_decay"] != 0 and group.get("decoupled_weight_decay", False):
            scalars["shrink"] = 1 - group["lr"] * group["weight_decay"]
        return scalars

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scalars: StepScalars) -> None:
        """The array half: change ``x`` in place given its gradient ``g``, with NumPy ops
        only (no Python arithmetic on ``scalars``: compute such numbers in
        `_step_scalars`)."""
        raise NotImplementedError

    @staticmethod
    def _decay(x: np.ndarray, g: np.ndarray, group: dict[str, Any],
               scalars: StepScalars) -> np.ndarray:
        """Weight decay: returns g + weight_decay * x (L2), or with
        ``decoupled_weight_decay`` shrinks x *= 1 - lr * weight_decay and returns g."""
        weight_decay = group["weight_decay"]
        if weight_decay == 0:
            return g
        if group.get("decoupled_weight_decay", False):
            x *= scalars["shrink"]
            return g
        return g + weight_decay * x

    @staticmethod
    def _eval_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {name: value}}, 'param_groups': [{options..., 'params':
        [indices]}]}``, PyTorch's layout: parameters are numbered in group order.

        State arrays come as Tensors sharing memory with the optimizer (as in PyTorch);
        copy them (or save them) before stepping again if you need a snapshot.  Scalar
        state (``step``, NAdam's ``mu_product``) comes as 0-d Tensors, ``step`` in float32,
        as PyTorch 2 stores it.  `to_torch_state_dict` turns the result into one
        ``torch.optim`` loads.
        """
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in g["params"]]
            groups.append(packed)
        state = {index[id(p)]: {k: _export(k, v, self._scalars) for k, v in s.items()}
                 for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` (copied; cast to the parameters'
        dtypes).  The groups must have the same sizes as this optimizer's.  A PyTorch
        optimizer's ``state_dict()`` loads as it is: its tensors are read with
        ``np.asarray`` and its extra group options (``foreach``, ``fused`` ...) are kept
        but unused."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        id_map: dict[int, Tensor] = {}
        for g, saved in zip(self.param_groups, saved_groups):
            if len(saved["params"]) != len(g["params"]):
                raise ValueError(f"loaded state dict contains a parameter group of "
                                 f"{len(saved['params'])} parameters that doesn't match the "
                                 f"size of optimizer's group ({len(g['params'])})")
            id_map.update(zip(saved["params"], g["params"]))
        state: dict[Tensor, dict[str, Any]] = {}
        for k, values in state_dict["state"].items():
            if int(k) not in id_map:
                raise ValueError(f"loaded state dict has state for parameter {k}, which is in "
                                 f"no parameter group")
            p = id_map[int(k)]
            state[p] = {name: _load_value(p, name, v, self._scalars)
                        for name, v in values.items()}
        self.param_groups = [{**copy.deepcopy({k: v for k, v in saved.items() if k != "params"}),
                              "params": g["params"]}
                             for g, saved in zip(self.param_groups, saved_groups)]
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params")
        return "\n".join(lines) + "\n)"


def _ordered(params: Iterable[Any]) -> list[Any]:
    if isinstance(params, set):
        raise TypeError("optimizer parameters need to be organized in ordered collections, "
                        "but the ordering of tensors in sets will change between runs. "
                        "Please use a list instead.")
    return list(params)


def _export(name: str, value: Any, scalars: frozenset[str]) -> Any:
    """A state entry as `Optimizer.state_dict` shows it (see there)."""
    if isinstance(value, np.ndarray):
        return _wrap(value)
    if name in scalars:
        return _wrap(np.array(value, dtype=np.float32 if name == "step" else np.float64))
    return value


def _load_value(p: Tensor, name: str, value: Any, scalars: frozenset[str]) -> Any:
    """A state entry as this optimizer keeps it: arrays copied in the parameter's dtype
    (anything with ``__array__``, e.g. a PyTorch tensor, is accepted), ``step`` an int,
    the other scalars floats."""
    if isinstance(value, Tensor):
        value = value.data
    elif hasattr(value, "__array__"):
        value = np.asarray(value)
    if name == "step":
        return int(value)
    if name in scalars:
        return float(value)
    if not isinstance(value, np.ndarray):
        return copy.deepcopy(value)
    if value.shape != p.shape:
        raise ValueError(f"optimizer state {name!r} has shape {value.shape} but its parameter "
                         f"has shape {p.shape}")
    return np.array(value, dtype=p.dtype if value.dtype.kind == "f" else value.dtype)


_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(**options: float) -> None:
    """PyTorch's ValueError for a negative (or NaN) option: ``Invalid learning rate: -1``,
    ``Invalid weight_decay value: -0.1`` ..."""
    for name, value in options.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def check_betas(betas: tuple[float, float]) -> None:
    """PyTorch's ValueError unless 0 <= beta < 1 for both betas."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def to_torch_state_dict(state_dict: dict[str, Any]) -> dict[str, Any]:
    """An `Optimizer.state_dict` with every Tensor / ndarray copied into a ``torch.Tensor``:
    what ``torch.optim.<Name>.load_state_dict`` accepts (it refuses other array types with a
    TypeError).  The keys and the layout are PyTorch's already.  Needs PyTorch.

    The other direction needs nothing: ``opt.load_state_dict(torch_opt.state_dict())``.
    """
    try:
        import torch
    except ImportError as e:
        raise ImportError("to_torch_state_dict needs PyTorch (pip install torch)") from e

    def convert(value: Any) -> Any:
        if isinstance(value, Tensor | np.ndarray):
            return torch.from_numpy(np.array(value.data if isinstance(value, Tensor) else value))
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(convert(v) for v in value)
        return value

    return convert(state_dict)
