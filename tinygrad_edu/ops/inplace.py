"""In-place ops: ``x += y``, ``x.add_(y)``, ``x.relu_()``, ``x[i] = v``, ``copy_ fill_ zero_``
``normal_ uniform_``.

One mechanism (`_inplace`) serves them all.  An in-place op computes the out-of-place
result (``x.relu()``, or `SetItem` for ``x[i] = v``) and puts it into the same tensor
object, so a `Parameter` stays registered in its module.  PyTorch's rules decide how:

* Nothing is recorded (under ``no_grad``, or nothing involved requires grad): the result is
  written into the tensor's memory, so its views and ``detach()``es see it, and the memory's
  version moves on (`autograd.mark_changed`): a later backward through an op that saved the
  old values raises.  This is the manual SGD step ``with no_grad(): p -= lr * p.grad``.
* A leaf that requires grad may change in place only under ``no_grad`` (PyTorch's error).
* Otherwise the op is recorded and the tensor object takes over the result and its node
  (PyTorch's rebase_history): ``x.grad_fn`` becomes the op's node and gradients are those
  of ``x = x.relu()``.  The memory must then have no other user -- a view or ``detach()``
  of it, an op that saved it for its backward, another tensor sharing it -- or those would
  keep seeing the old history with new values; that case is refused with an error (clone
  first).  PyTorch rebases views too (and raises at backward where an op saved the old
  values); this is the difference.  The op that made ``x`` may have saved it as its output
  (``x = y.exp(); x.mul_(2)``): that node keeps the old array and ``x`` gets a new one.

In-place twins for more ops: ``inplace_twins("sin", "cos")`` binds ``Tensor.sin_`` and
``Tensor.cos_`` (and ``__ifloordiv__``-style operators, for names in `_OPERATORS`) once
``Tensor.sin`` and ``Tensor.cos`` exist; any op whose result has the tensor's shape works.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Function, is_grad_enabled, mark_changed
from ..errors import DTypeError, ShapeError
from ..random import GeneratorLike, numpy_rng
from ..tensor import Operand, Tensor, _wrap

_OPERATORS = {"add": "__iadd__", "sub": "__isub__", "mul": "__imul__", "div": "__itruediv__",
              "pow": "__ipow__", "floor_divide": "__ifloordiv__", "remainder": "__imod__",
              "bitwise_and": "__iand__", "bitwise_or": "__ior__", "bitwise_xor": "__ixor__",
              "bitwise_left_shift": "__ilshift__", "bitwise_right_shift": "__irshift__"}
# No __imatmul__: as in PyTorch, ``a @= b`` rebinds ``a`` to ``a @ b``.


class SetItem(Function):
    """out = a with out[index] = b (b broadcast to a[index]);
    da = g with g[index] = 0,  db = g[index] (summed back to b's shape by the engine).

    With ``inplace=True`` (used by `_assign`) ``a`` itself is written, saving a copy per
    assignment in loops like ``h[:, t] = ...``; nothing is saved for backward either way.
    """

    op_name = "setitem"
    saves_inputs = saves_output = False

    def forward(self, a, b, index, inplace=False):
        self.index, self.b_ndim = index, np.ndim(b)
        out = a if inplace else a.copy() if isinstance(a, np.ndarray) else np.array(a)  # a copy
        out[index] = b
        return out

    def backward(self, g, out, a, b):
        ga = SetItem.call(g, 0.0, index=self.index) if self.needs_grad(0) else None
        gb = None
        if self.needs_grad(1):
            gb = g[self.index]
            if gb.ndim < self.b_ndim:  # b had leading 1s that NumPy's assignment ignores
                gb = gb.reshape((1,) * (self.b_ndim - gb.ndim) + gb.shape)
        return ga, gb


def _counts(t: Tensor) -> tuple[int, int]:
    """References to ``t.data`` and to the array that owns its memory (-1: none; -2: memory
    not owned by an array)."""
    a = t.data
    base = a.base
    if base is None:
        return sys.getrefcount(a), -1
    return sys.getrefcount(a), sys.getrefcount(base) if isinstance(base, np.ndarray) else -2


_ALONE = _counts(_wrap(np.empty(1)))[0], _counts(_wrap(np.empty(2)[:1]))[1]


def _saved_by_own_node(t: Tensor) -> bool:
    """Whether the op that made ``t`` saved it as its output (``exp``, ``relu`` ...)."""
    return t._ctx is not None and t._ctx.out is t.data


def _other_users(t: Tensor) -> int:
    """How many users t's memory has besides ``t`` and the op that made it: views,
    ``detach()``es, arrays it is a view of, ops that saved it (1 where unknown: PyPy)."""
    if not hasattr(sys, "getrefcount"):
        return 1
    data, base = _counts(t)
    others = data - _ALONE[0] - _saved_by_own_node(t)
    if base != -1:
        others += base - _ALONE[1] if base >= 0 else 1
    return others


def _args_require_grad(args: tuple, kwargs: dict) -> bool:
    return any(isinstance(a, Tensor) and a.requires_grad for a in (*args, *kwargs.values()))


def _inplace(t: Tensor, name: str, compute: Callable[..., Tensor], args: tuple = (),
             kwargs: dict | None = None, same_shape: bool = True) -> Tensor:
    """Put ``compute(t, *args, **kwargs)`` into ``t`` itself (the rules are in the module
    docstring); ``compute`` returns a tensor of t's shape (checked if ``same_shape``)."""
    kwargs = kwargs or {}
    recording = is_grad_enabled() and (t.requires_grad or _args_require_grad(args, kwargs))
    if recording:
        if t._ctx is None and t.requires_grad:
            raise RuntimeError(
                f"{name}: a leaf Variable that requires grad is being used in an in-place "
                f"operation. This one has shape {t.shape}; change it inside `with "
                f"no_grad():` (an optimizer step, an init) or use the out-of-place op.")
        if t.dtype.kind not in "fc":
            raise DTypeError(f"{name}: a value that requires grad can't be written into a "
                             f"{t.dtype} tensor (shape {t.shape}): only floating point "
                             f"tensors can require gradients")
        if _other_users(t):
            raise RuntimeError(
                f"{name}: in-place on a tensor (shape {t.shape}) whose memory is also used "
                f"elsewhere -- a view or detach() of it, a tensor it is a view of, or an op "
                f"that saved it for backward -- while gradients are recorded: those would "
                f"keep the old history with the new values (PyTorch rebases views; this "
                f"framework does not). Use the out-of-place op or clone() first.")
    out = compute(t, *args, **kwargs)
    if same_shape and out.shape != t.shape:
        raise ShapeError(f"{name}: output with shape {t.shape} doesn't match the broadcast "
                         f"shape {out.shape}")
    if out.dtype != t.dtype:
        if not np.can_cast(out.dtype, t.dtype, "same_kind"):
            raise DTypeError(f"{name}: result type {out.dtype} can't be cast to the desired "
                             f"output type {t.dtype} (in place on a tensor of shape {t.shape})")
        out = out.astype(t.dtype)
    node = out._ctx
    if node is None and recording and t.requires_grad:
        raise RuntimeError(f"{name}: the op is not differentiable, so it can't change a "
                           f"tensor that requires grad in place (shape {t.shape})")
    if node is None:  # not recorded: write into the memory every alias sees
        if out.data is not t.data:
            try:
                np.copyto(t.data, out.data)
            except ValueError as e:  # e.g. a read-only broadcast view
                raise ValueError(f"{name}: cannot write into this tensor (shape "
                                 f"{t.shape}): {e}") from e
        mark_changed(t)
        return t
    old, t.data = t._ctx, out.data  # recorded: t becomes the op's output (rebase_history)
    if old is not None and old.retained is t:
        old.retained, node.retained = None, t
    t._ctx, t.requires_grad = node, True
    node.stamp = mark_changed(t)  # the node itself saw the new values
    return t


def inplace_twin(fn: Callable[..., Tensor], name: str | None = None) -> Callable[..., Tensor]:
    """The in-place method ``name`` (default ``fn.__name__ + "_"``) of the op ``fn``."""
    name = name or fn.__name__ + "_"

    @functools.wraps(fn)  # fn's signature (__wrapped__), for help() and the typing stub
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return _inplace(self, name, fn, args, kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: ``x.{name}(...)`` puts ``x.{fn.__name__}(...)`` into ``x``."
    return method


def inplace_twins(*names: str) -> None:
    """Bind ``Tensor.<name>_`` (and its ``x op= y`` operator, if any) for each bound method
    ``Tensor.<name>``."""
    for op in names:
        twin = inplace_twin(getattr(Tensor, op), op + "_")
        setattr(Tensor, twin.__name__, twin)
        if op in _OPERATORS:
            setattr(Tensor, _OPERATORS[op], twin)


def _with_alpha(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``fn(x, alpha * other)``: PyTorch's ``add``/``sub`` scale ``other`` by ``alpha``."""
    def scaled(x: Tensor, other: Operand, *, alpha: float = 1) -> Tensor:
        return fn(x, other if alpha == 1 else other * alpha)
    scaled.__name__ = fn.__name__
    return scaled


# ----------------------------------------------------------------------------- writes
def _assign(x: Tensor, value: Any, index: Any) -> Tensor:
    """`SetItem` into x's memory, unless the op that made x saved it and this is recorded
    (that node keeps the old array; `_inplace` has checked that nothing else uses it)."""
    keep = is_grad_enabled() and x.requires_grad and _saved_by_own_node(x)
    return SetItem.apply(x, value, index=index, inplace=not keep)


def setitem(x: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``: value (a tensor or scalar) broadcast to ``x[index]``, cast to
    x's dtype; recorded when value requires grad (gradient ``g[index]``; x's old values
    there get 0)."""
    _inplace(x, "setitem", _assign, (value, _index_of(index)), same_shape=False)


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
    return _inplace(self, "copy_", _assign, (src, ...), same_shape=False)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                         f"{value.ndim} dimensions")
    return _inplace(self, "fill_", _assign, (value, ...), same_shape=False)


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0."""
    return _inplace(self, "zero_", _assign, (0, ...), same_shape=False)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: GeneratorLike = None) -> Tensor:
    """Fill with N(mean, std^2) (``mean + std * standard_normal``, NumPy's stream)."""
    values = numpy_rng(generator).normal(mean, std, self.shape)
    return _inplace(self, "normal_", _assign, (values, ...), same_shape=False)


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *,
             generator: GeneratorLike = None) -> Tensor:
    """Fill with U(a, b)."""
    values = numpy_rng(generator).uniform(a, b, self.shape)
    return _inplace(self, "uniform_", _assign, (values, ...), same_shape=False)


_index_of: Callable[[Any], Any] = lambda index: index  # noqa: E731 (set by `bind`)


def bind(index_of: Callable[[Any], Any]) -> None:
    """Attach the methods above and the twins of this package's elementwise ops to Tensor;
    ``index_of`` converts an index as ``x[index]`` does (tensors and lists to ndarrays)."""
    global _index_of
    _index_of = index_of
    T: Any = Tensor  # the stub declares these attributes; this table defines them
    for fn in (copy_, fill_, zero_, normal_, uniform_):
        setattr(T, fn.__name__, fn)
    T.__setitem__ = setitem
    T.add_ = T.__iadd__ = inplace_twin(_with_alpha(T.add))
    T.sub_ = T.__isub__ = inplace_twin(_with_alpha(T.sub))
    inplace_twins("mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "sigmoid", "tanh",
                  "relu", "clamp", "clip", "clamp_min", "clamp_max")
