"""Type promotion with PyTorch's rules (``torch.result_type`` / ``torch.promote_types``).

Dtypes fall into categories, bool < integer < floating < complex.  An op on several
operands computes in the dtype that `result_type` gives:

* dimensioned tensors (``ndim >= 1``) decide among themselves (`promote_types`);
* 0-d tensors, then Python (and NumPy) scalars, take part only where they are of a higher
  category than every operand above them: a 0-d float64 tensor or ``np.float64(2)`` leaves
  a float32 tensor float32, ``int_tensor + 2.5`` is the default float dtype (float32), and
  a 0-d float64 tensor lifts an int tensor to float64 (that tensor's dtype);
* a Python float is the default dtype, a Python int int64, a complex the default complex
  dtype; NumPy scalars count as Python numbers of their category (as PyTorch treats them).

Unlike NumPy, an integer and a floating dtype give the floating one (int64 with float32 is
float32, not float64), and integer inputs to floating-point ops (``/ exp log sqrt sigmoid
tanh``...) give the default dtype, not float64.

An op opts in with a class attribute on its `Function`: ``promote = "common"`` (the
operands are converted to their `result_type`: ``+ - * ** maximum where``) or
``promote = "float"`` (the same, then integer/bool results become the default float dtype:
``/ exp log sigmoid``...); ``promote_from = 1`` leaves leading arguments out (``where``'s
condition).  ``Function.apply`` checks cheaply that the operands already share one
floating dtype and calls `promote_arrays` otherwise.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DTypeError
from .tensor import Tensor, get_default_dtype

if TYPE_CHECKING:
    from .autograd import Function

_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}
_WIDE_UNSIGNED = frozenset(np.dtype(t) for t in (np.uint16, np.uint32, np.uint64))
_COMPLEX_OF: dict[np.dtype, np.dtype] = {
               np.dtype(np.float16): np.dtype(np.complex64),   # NumPy has no complex32
               np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}
_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def _category(dtype: np.dtype) -> int:
    try:
        return _CATEGORY[dtype.kind]
    except KeyError:
        raise DTypeError(f"promote_types: {dtype} is not a numeric dtype (expected bool, "
                         f"integer, floating or complex)") from None


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to (``torch.promote_types``).

    The higher category wins whatever the sizes (int64 with float16 is float16); within
    integers and within floating/complex the wider type (uint8 with int8 is int16,
    float64 with complex64 is complex128).  uint16/32/64 promote only with floating types,
    as in PyTorch.
    """
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if (a in _WIDE_UNSIGNED or b in _WIDE_UNSIGNED) and builtins.min(ca, cb) < 2:
        raise DTypeError(f"promote_types: promotion of uint16, uint32 and uint64 with bool "
                         f"or integer types is not supported (as in PyTorch), got {a} and {b}")
    if ca != cb and builtins.min(ca, cb) < 2:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _scalar_dtype(x: Any) -> np.dtype:
    """A Python or NumPy scalar's dtype as a 'wrapped number': bool, int64, or the default
    float (complex) dtype."""
    kind = np.asarray(x).dtype.kind if isinstance(x, np.generic) else None
    if kind == "b" or isinstance(x, builtins.bool):
        return _BOOL
    if kind in ("i", "u") or isinstance(x, builtins.int):
        return _INT64
    if kind == "f" or isinstance(x, builtins.float):
        return get_default_dtype()
    if kind == "c" or isinstance(x, builtins.complex):
        return _COMPLEX_OF[get_default_dtype()]
    raise TypeError(f"result_type: expected tensors, arrays or numbers, got "
                    f"{type(x).__name__}")


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """The result of operands of priority ``higher`` with those of priority ``lower``
    (PyTorch's ``combine_categories``): ``lower`` counts only with a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _CATEGORY[higher.kind], _CATEGORY[lower.kind]
    if ch == 3:
        return higher
    if cl == 3:
        return _COMPLEX_OF[higher] if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands: Any) -> np.dtype:
    """The dtype an elementwise op on ``operands`` (tensors, arrays, Python or NumPy scalars)
    computes in, by PyTorch's rules (see the module docstring): ``torch.result_type``."""
    if not operands:
        raise TypeError("result_type: expected at least one operand")
    state: list[np.dtype | None] = [None, None, None]  # dimensioned, 0-d, scalars
    for x in operands:
        if isinstance(x, Tensor):
            x = x.data
        if isinstance(x, np.ndarray):
            rank, dtype = (0 if x.ndim else 1), x.dtype
            _category(dtype)
        else:
            rank, dtype = 2, _scalar_dtype(x)
        state[rank] = dtype if state[rank] is None else promote_types(state[rank], dtype)
    out = _combine(state[0], _combine(state[1], state[2]))
    if out is None:  # not reached: there is at least one operand
        raise TypeError("result_type: expected at least one operand")
    return out


def _is_operand(x: Any) -> bool:
    return isinstance(x, Tensor | np.ndarray | np.generic | builtins.bool | builtins.int
                      | builtins.float | builtins.complex)


def promote_arrays(cls: type[Function], args: Sequence[Any], arrays: list) -> list:
    """``arrays`` (the data of ``args``) converted to the dtype op ``cls`` computes in.

    Arrays and NumPy scalars are converted; Python scalars are kept (NumPy treats them as
    weakly typed, as PyTorch does).  Gradients come back in each input's own dtype (the
    engine casts them).
    """
    start = cls.promote_from
    operands = [a for a in args[start:] if _is_operand(a)]
    if any(np.asarray(a).dtype.kind not in _CATEGORY for a in arrays[start:]
           if a is not None):  # None: an absent operand (clamp's missing bound)
        return arrays  # strings, objects: the op's own error names it and the shapes
    try:
        target = result_type(*operands)
    except DTypeError as e:
        raise DTypeError(f"{cls.op_name or cls.__name__.lower()}: {e}") from None
    if cls.promote == "float" and target.kind not in "fc":
        target = get_default_dtype()
    scalars_only = not any(isinstance(a, Tensor | np.ndarray) for a in operands)
    out = list(arrays)
    for i in range(start, len(out)):
        a = out[i]
        if isinstance(a, np.ndarray | np.generic) and a.dtype != target:
            out[i] = a.astype(target)
        elif scalars_only and _is_operand(a):
            out[i] = np.asarray(a, dtype=target)
    return out


def check_same_dtype(op: str, names: str, *arrays: Any) -> None:
    """Raise `DTypeError` unless ``arrays`` share one dtype: matrix products do not promote
    (PyTorch: "mat1 and mat2 must have the same dtype").  ``names`` names the operands."""
    dtypes = [np.asarray(a).dtype for a in arrays]
    if any(d != dtypes[0] for d in dtypes):
        got = ", ".join(str(d) for d in dtypes[:-1]) + f" and {dtypes[-1]}"
        raise DTypeError(f"{op}: {names} must have the same dtype, but got {got}; convert "
                         f"one of them first (e.g. .float() or .double())")
