"""The `Tensor`: an ndarray plus what reverse-mode differentiation needs.

A tensor holds

* ``data``          -- the NumPy array (always an ``np.ndarray``, possibly 0-d);
* ``requires_grad`` -- whether gradients flow to it;
* ``grad``          -- after ``backward()``, a ``Tensor`` of the same shape (leaves only,
  or tensors that called ``retain_grad()``);
* ``grad_fn``       -- the `Function` node that produced it (``None`` for leaves).

This module knows nothing about particular ops: arithmetic, reductions and so on are
`Function` subclasses in ``tinygrad_edu.ops`` and are attached to `Tensor` as methods and
operators there (``tinygrad_edu/ops/__init__.py`` holds that table), in-place ones too
(``+=``, ``add_``, ``zero_``, ``x[i] = v``: ``tinygrad_edu/ops/inplace.py``).  Type checkers
see them in the generated stub ``_tensor_methods.pyi`` (`Tensor`'s base class when type
checking; ``python -m tinygrad_edu.tools.stubgen`` rewrites it after an op is bound).  The
backward pass is in ``tinygrad_edu/autograd.py``.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ShapeError

if TYPE_CHECKING:  # the ops bound at run time, declared for type checkers (see that file)
    from ._tensor_methods import TensorMethods
    from .autograd import Function
else:
    TensorMethods = object

ArrayLike = Any  # anything np.asarray accepts

_default_dtype: np.dtype = np.dtype(np.float32)


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype used for tensors built from Python floats (PyTorch default: float32)."""
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    """The float dtype of tensors built from Python floats."""
    return _default_dtype


def _dispatches(a: np.ndarray) -> bool:
    """Whether ``a``'s class overrides NumPy's function dispatch (``tinygrad_edu.compile``'s
    traced arrays do): such an array keeps its class in a tensor; any other subclass
    (``np.matrix``, whose ``*`` is a matrix product) becomes a plain ndarray."""
    return type(a).__array_function__ is not np.ndarray.__array_function__


def as_array(x: Any) -> np.ndarray:
    """``x`` as an ndarray, as ``np.asarray`` -- except that an array overriding NumPy's
    dispatch (``tinygrad_edu.compile``'s traced arrays) stays itself, so that what the ops
    compute from it is recorded."""
    if type(x) is np.ndarray:
        return x
    return x if isinstance(x, np.ndarray) and _dispatches(x) else np.asarray(x)


def _to_array(data: ArrayLike, dtype: Any) -> np.ndarray:
    """Convert user data to an ndarray with PyTorch's dtype rules.

    Python floats (and lists of them) get the default dtype, Python ints become int64,
    bools stay bool and complex numbers get the default complex dtype; NumPy arrays keep
    their dtype unless ``dtype`` is given.
    """
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray) and _dispatches(data):
        return data.astype(data.dtype if dtype is None else dtype)  # a copy, still traced
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray | np.generic):
        return np.array(data)
    arr = np.array(data)
    if arr.dtype.kind == "f":
        return arr.astype(_default_dtype, copy=False)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind == "c":
        return arr.astype(np.complex64 if _default_dtype.itemsize < 8 else np.complex128)
    raise TypeError(
        f"Tensor: cannot build a tensor from {type(data).__name__} "
        f"(NumPy dtype {arr.dtype}); expected numbers, nested lists of numbers or an ndarray"
    )


class Tensor(TensorMethods):
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` is a Python scalar, a nested
    list or an ndarray.  Only floating-point tensors may require gradients.
    """

    # Defaults as class attributes: an op's output only needs ``data`` set (hot path).
    grad: Tensor | None = None
    requires_grad: bool = False
    name: str | None = None
    _ctx: Function | None = None     # the Function that made this tensor (None for leaves)
    hooks: list[Callable] | None = None  # gradient hooks of a leaf (a node keeps its own)

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        self.data = _to_array(data, dtype)
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of axis ``dim`` (PyTorch's ``size``; NumPy's ``.size``
        element count is `numel`)."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis (``x[0], x[1], ...``, recorded ops)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The shape a gradient for this tensor has (the engine's name, shared with Function)."""
        return self.data.shape

    @property
    def out_dtype(self) -> np.dtype:
        """The dtype a gradient for this tensor has (the engine's name, shared with Function)."""
        return self.data.dtype

    @property
    def _version(self) -> int:
        """When this tensor's memory was last changed in place (PyTorch's version counter:
        shared by its views and ``detach()``es, as they share the memory; 0 for never).

        It grows with every in-place change, from one clock for all tensors (so by steps of
        one only if nothing else changed in between).  Read-only, as in PyTorch: changes are
        recorded by ``autograd.mark_changed``.
        """
        return _autograd.version_of(self.data)

    @property
    def grad_fn(self):
        """The `Function` node that created this tensor, or ``None`` for a leaf."""
        return self._ctx

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (PyTorch's definition)."""
        return self._ctx is None

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray (shared, not copied), like ``torch.Tensor.numpy``; a
        tensor that requires grad needs ``force=True`` (or ``detach()`` first)."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "numpy(): can't call numpy() on a tensor that requires grad; "
                "use tensor.detach().numpy() (or numpy(force=True))")
        return self.data

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(
                f"item(): only one-element tensors can be converted to Python scalars; "
                f"got a tensor with {self.data.size} elements, shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        """The data as (nested lists of) Python numbers; a 0-d tensor gives a number."""
        return self.data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{type(self._ctx).__name__}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    def _repr_html_(self) -> str:
        """A notebook's compact view: shape, dtype, grad_fn or requires_grad, a values
        summary (min, mean, max, std of the finite entries) and the first few values."""
        a = self.data
        rows = [("shape", str(tuple(a.shape))), ("dtype", a.dtype.name)]
        if self._ctx is not None:
            rows.append(("grad_fn", repr(self._ctx)))
        elif self.requires_grad:
            rows.append(("requires_grad", "True"))
        if self.name:
            rows.append(("name", self.name))
        if a.dtype.kind in "biuf" and a.size:
            v = a[np.isfinite(a)] if a.dtype.kind == "f" else a
            if v.size:
                v64 = v.astype(np.float64)
                rows.append(("min / mean / max / std", " / ".join(
                    f"{float(f(v64)):.4g}" for f in (np.min, np.mean, np.max, np.std))))
            if v.size < a.size:
                rows.append(("non-finite", str(a.size - v.size)))
        rows.append(("values", np.array2string(a, threshold=10, edgeitems=3, precision=4,
                                               separator=", ").replace("\n", "")))
        cells = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{_html.escape(k)}</th>"
                        f"<td style='text-align:left'><code>{_html.escape(v)}</code></td></tr>"
                        for k, v in rows)
        return f"<table><caption style='text-align:left'><b>Tensor</b></caption>{cells}</table>"

    # ------------------------------------------------------------------ graph controls
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only); returns ``self``."""
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad: only floating point tensors can require gradients, "
                f"got dtype {self.dtype} (shape {self.shape}); convert with .float() or "
                f".double() first")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "requires_grad_(False): only leaf tensors can change requires_grad; "
                "use detach() for a non-leaf")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing ``data`` (and so the version counter) with this tensor, cut off
        from the graph."""
        return _wrap(self.data)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): can't retain_grad on a tensor that "
                               "has requires_grad=False")
        if self._ctx is not None:
            self._ctx.retained = self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a replacement gradient (same shape and dtype).  Returns a handle
        whose ``remove()`` takes the hook off again (as in PyTorch).
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that "
                               "doesn't require gradient")
        owner = self if self._ctx is None else self._ctx  # leaf, or the node that made it
        if owner.hooks is None:
            owner.hooks = []
        owner.hooks.append(hook)
        return RemovableHandle(owner.hooks, hook)

    def backward(self, gradient: Tensor | ArrayLike | None = None,
                 retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see `autograd.backward`)."""
        _autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)


class RemovableHandle:
    """What `Tensor.register_hook` returns: ``remove()`` unregisters the hook (twice is
    harmless); as a context manager it removes the hook on exit."""

    def __init__(self, hooks: list[Callable], hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


Operand = Tensor | float | int | np.ndarray  # what an op takes where a tensor goes


def _wrap(data: np.ndarray) -> Tensor:
    """Fast constructor for the engine and ops: ``data`` is already a valid ndarray."""
    t = Tensor.__new__(Tensor)
    t.data = data
    return t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (no copy), like ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    return _wrap(array)


# The engine imports this module; a function-level import would cost a microsecond per call.
from . import autograd as _autograd  # noqa: E402
