"""Matrix products: ``@`` with NumPy's ``matmul`` semantics (1-D, 2-D and batched, via BLAS),
PyTorch's strict ``mm bmm mv dot`` (shape errors in PyTorch's words), ``outer``/``ger``,
``addmm`` and a differentiable ``einsum``."""

from __future__ import annotations

import builtins
import string

import numpy as np

from ..autograd import Function, save_each_for_the_other
from ..errors import ShapeError
from ..promotion import check_same_dtype
from ..tensor import Tensor, as_array
from .arithmetic import Add, Mul
from .shape import Reshape


class Matmul(Function):
    """out = a @ b.

    For 2-D and batched operands: da = g @ b^T, db = a^T @ g (batch dimensions that were
    broadcast are summed by the engine).  A 1-D operand is treated as a row (left) or a
    column (right) vector and its gradient reshaped back.
    """

    saves_output = False

    save_inputs = save_each_for_the_other

    def forward(self, a, b):
        if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype is not b.dtype:
            check_same_dtype("matmul", "mat1 and mat2", a, b)  # no promotion, as PyTorch
            a, b = as_array(a), as_array(b)
        self.ndims = (a.ndim, b.ndim)
        return a @ b

    def backward(self, g, out, a, b):
        na, nb = self.ndims
        need_a, need_b = self.needs_grad(0), self.needs_grad(1)
        if na == 1 and nb == 1:                       # dot product: scalar out
            return (g * b if need_a else None), (g * a if need_b else None)
        if na == 1:                                   # (k,) @ (..., k, n) -> (..., n)
            g = g.reshape((*g.shape[:-1], 1, g.shape[-1]))
            if need_b:
                a = a.reshape((1, a.shape[0]))
        elif nb == 1:                                 # (..., m, k) @ (k,) -> (..., m)
            g = g.reshape((*g.shape, 1))
            if need_a:
                b = b.reshape((b.shape[0], 1))
        ga = g @ b.swapaxes(-1, -2) if need_a else None
        gb = a.swapaxes(-1, -2) @ g if need_b else None
        if nb == 1 and need_b:                        # (..., k, 1) -> (..., k)
            gb = gb.reshape(gb.shape[:-1])
        return ga, gb


# ----------------------------------------------------------------------------- the family
def _mat(op: str, name: str, t: Tensor, ndim: int) -> None:
    if t.ndim != ndim:
        kind = {1: "a vector (1-D)", 2: "a matrix (2-D)", 3: "a 3D tensor"}[ndim]
        raise ShapeError(f"{op}: {name} must be {kind}, got shape {tuple(t.shape)}")


def _x(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """(n, m) @ (m, p) -> (n, p), matrices only (PyTorch's mm)."""
    _mat("mm", "self", a, 2)
    _mat("mm", "mat2", b, 2)
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                         f"({_x(a.shape)} and {_x(b.shape)})")
    return Matmul.apply(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """(B, n, m) @ (B, m, p) -> (B, n, p), no broadcasting (PyTorch's bmm)."""
    _mat("bmm", "batch1", a, 3)
    _mat("bmm", "batch2", b, 3)
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ShapeError(f"bmm: Expected size for first two dimensions of batch2 tensor to "
                         f"be: [{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                         f"{b.shape[1]}].")
    return Matmul.apply(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """(n, m) @ (m,) -> (n,) (PyTorch's mv)."""
    _mat("mv", "mat", a, 2)
    _mat("mv", "vec", v, 1)
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"mv: size mismatch, got input ({a.shape[0]}), mat ({_x(a.shape)}), "
                         f"vec ({v.shape[0]})")
    return Matmul.apply(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """sum_i a_i b_i of two 1-D tensors of the same size -> a 0-d tensor."""
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise ShapeError(f"dot: inconsistent tensor size, expected tensor [{a.shape[0]}] and "
                         f"src [{b.shape[0]}] to have the same number of elements, but got "
                         f"{a.shape[0]} and {b.shape[0]} elements respectively")
    return Matmul.apply(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """out[i, j] = a[i] b[j] for 1-D a and b (PyTorch's outer, alias ger)."""
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"outer: 1D tensors expected, but got shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    column, row = Reshape.apply(a, shape=(a.shape[0], 1)), Reshape.apply(b, shape=(1, b.shape[0]))
    return Mul.apply(column, row)


ger = outer


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2) (input broadcasts; with beta 0 it is ignored,
    NaN included, as PyTorch)."""
    out = mm(mat1, mat2)
    try:
        fits = np.broadcast_shapes(input.shape, out.shape) == out.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"addmm: input of shape {tuple(input.shape)} does not broadcast to "
                         f"the product's shape {tuple(out.shape)}")
    if alpha != 1:
        out = Mul.apply(out, alpha)
    if beta == 0:
        return out
    return Add.apply(input if beta == 1 else Mul.apply(input, beta), out)


# ----------------------------------------------------------------------------- einsum
class Einsum(Function):
    """out = einsum(subscripts -> output) of the operands (explicit letters, no ellipsis);
    d operand_i = einsum of g with the other operands back to operand i's subscripts
    (itself an einsum, so it differentiates again).

    A letter repeated in operand i (a diagonal, ``ii->i``) comes back through an identity
    matrix; a letter only operand i has (summed away, ``ij->i``) through a vector of ones.
    """

    saves_output = False

    def forward(self, *operands, subscripts, output):
        self.subscripts, self.output = subscripts, output
        return np.einsum(",".join(subscripts) + "->" + output, *operands,
                         optimize=len(operands) > 1)

    def backward(self, g, out, *operands):
        return tuple(self._grad(i, g, operands) if self.needs_grad(i) else None
                     for i in range(len(operands)))

    def _grad(self, i, g, operands):
        subs, arrays = self.subscripts, self.inputs
        target, shape, dtype = subs[i], arrays[i].shape, arrays[i].dtype
        others = [j for j in range(len(subs)) if j != i]
        present = set(self.output).union(*(subs[j] for j in others))
        fresh = (c for c in string.ascii_letters if c not in present and c not in target)
        letters, extra, extra_subs = [], [], []
        for letter, n in zip(target, shape):
            if letter in letters:          # a diagonal: an identity pairs it with a new letter
                f = next(fresh)
                letters.append(f)
                extra.append(np.eye(n, dtype=dtype))
                extra_subs.append(letter + f)
                present.add(letter)
            else:
                letters.append(letter)
        for letter, n in zip(target, shape):
            if letter not in present:      # summed away in operand i alone: broadcast back
                extra.append(np.ones(n, dtype=dtype))
                extra_subs.append(letter)
                present.add(letter)
        return Einsum.call(g, *(operands[j] for j in others), *extra,
                           subscripts=(self.output, *(subs[j] for j in others), *extra_subs),
                           output="".join(letters))


def _explicit(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """The equation's operand subscripts and output with '...' spelled as letters and the
    implicit output (letters seen once, sorted, after the ellipsis) made explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(ndims):
        raise ShapeError(f"einsum(): {len(subs)} operands in the equation {equation!r} but "
                         f"{len(ndims)} tensors given")
    for s in [*subs, rhs]:
        bad = set(s.replace("...", "")) - set(string.ascii_letters)
        if bad or s.count("...") > 1:
            raise ValueError(f"einsum(): invalid subscripts {s!r} in {equation!r} (letters "
                             f"a-z, A-Z and at most one '...')")
    free = [c for c in string.ascii_letters if c not in eq]
    width = 0
    for s, nd in zip(subs, ndims):
        explicit = len(s.replace("...", ""))
        if ("..." in s and nd < explicit) or ("..." not in s and nd != explicit):
            raise ShapeError(f"einsum(): the number of subscripts in the equation "
                             f"({explicit}) does not match the number of dimensions ({nd}) "
                             f"for operand {subs.index(s)}"
                             f"{'' if '...' in s else ' and no ellipsis was given'}")
        if "..." in s:
            width = builtins.max(width, nd - explicit)
    ell = "".join(free[:width])
    # an operand's '...' covers its last nd - explicit of the ellipsis dims (right-aligned)
    subs = [s.replace("...", ell[width - (nd - len(s) + 3):]) for s, nd in zip(subs, ndims)]
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(subs)
        out = ell + "".join(sorted(c for c in set(letters) - set(ell) if letters.count(c) == 1))
    if len(set(out)) != len(out) or set(out) - set("".join(subs)):
        raise ValueError(f"einsum(): output subscripts {rhs!r} of {equation!r} must be "
                         f"distinct letters that appear in the inputs")
    return subs, out


def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` (operands as
    arguments or one list); '...' and the implicit output work; size-1 dims broadcast."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    subs, out = _explicit(equation, [np.ndim(_data(o)) for o in operands])
    sizes: dict[str, int] = {}
    for k, (s, o) in enumerate(zip(subs, operands)):
        for letter, n in zip(s, np.shape(_data(o))):
            seen = sizes.get(letter, 1)
            if n != 1 and seen != 1 and n != seen:
                raise ShapeError(f"einsum(): subscript {letter} has size {n} for operand {k} "
                                 f"which does not broadcast with previously seen size {seen} "
                                 f"(equation {equation!r})")
            sizes[letter] = builtins.max(seen, n) if n != 1 else seen
    return Einsum.apply(*operands, subscripts=tuple(subs), output=out)


def _data(a):
    return a.data if isinstance(a, Tensor) else a
