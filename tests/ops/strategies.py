"""Hypothesis strategies shared by the op tests: tiny shapes and float64 values whose domains
keep away from kinks and singularities *by construction* (never by filtering values or by
loosening tolerances).

Sizes stay small (at most `MAX_SIZE` elements per array) because every example runs a full
Jacobian, a double-backward Jacobian and a vector-Jacobian product.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIZE = 24  # elements per array (and per output)
MARGIN = 0.05  # distance from every kink; >> 10 * eps (gradcheck's eps is 1e-6)


def _small(shape: tuple[int, ...]) -> bool:
    return math.prod(shape) <= MAX_SIZE


# ----------------------------------------------------------------------------- shapes
def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes from 0-d up to 3-d, size-1 axes included, at most MAX_SIZE elements."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side).filter(_small)


def broadcastable_shapes(num_shapes: int = 2) -> st.SearchStrategy:
    """Mutually broadcastable input shapes (``.input_shapes``, ``.result_shape``)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=0, max_dims=3, min_side=1, max_side=3,
    ).filter(lambda s: _small(s.result_shape))


def matmul_shapes() -> st.SearchStrategy:
    """Operand shapes for ``@``: 1-D, 2-D and batched (with broadcast batch axes)."""
    return hnp.mutually_broadcastable_shapes(
        signature="(m?,n),(n,p?)->(m?,p?)", min_dims=0, max_dims=2, min_side=1, max_side=3,
    ).filter(lambda s: all(_small(x) for x in (*s.input_shapes, s.result_shape)))


# ----------------------------------------------------------------------------- values
def _signed(magnitude: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    return st.tuples(st.sampled_from([-1.0, 1.0]), magnitude).map(lambda t: t[0] * t[1])


SMOOTH = st.floats(-3, 3)                      # for ops smooth everywhere
POSITIVE = st.floats(0.1, 10)                  # log, sqrt: away from the singularity at 0
BASES = st.floats(0.2, 3)                      # positive bases of a tensor power
AWAY_FROM_ZERO = _signed(st.floats(0.1, 3))    # abs, relu, leaky_relu: away from the kink
DENOMINATORS = _signed(st.floats(0.5, 3))      # division: away from the pole
# upstream gradients: no zeros, so no Jacobian row (or second-derivative term) is masked
UPSTREAM = _signed(st.floats(0.25, 2))
# dyadic values: x and x +- 2^-8 are exact in float32, so a float32 cast loses nothing
DYADIC = st.integers(-512, 512).map(lambda k: k / 256)


def arrays(shape: tuple[int, ...], elements: st.SearchStrategy[float] = SMOOTH):
    """A float64 array of ``shape``."""
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def distinct_arrays(draw, *shapes_: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Arrays of the given shapes whose values are all distinct, far apart (no near-ties):
    a random permutation of evenly spaced values, split among the shapes."""
    sizes = [math.prod(s) for s in shapes_]
    n = sum(sizes)
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    spacing = draw(st.floats(0.2, 1))
    values = (order - (n - 1) / 2) * spacing
    out, start = [], 0
    for s, k in zip(shapes_, sizes):
        out.append(values[start:start + k].reshape(s))
        start += k
    return tuple(out)


@st.composite
def clip_cases(draw, shape: tuple[int, ...]) -> tuple[np.ndarray, float | None, float | None]:
    """(values, lo, hi) with at least one bound, values at least MARGIN from each bound."""
    lo, hi = draw(st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.3, 0.4)]))
    cuts = sorted(b for b in (lo, hi) if b is not None)
    edges = [-3.0, *cuts, 3.0]
    pieces = [st.floats(a + MARGIN, b - MARGIN) for a, b in itertools.pairwise(edges)
              if b - a > 2 * MARGIN]
    return draw(arrays(shape, st.one_of(pieces))), lo, hi


# ----------------------------------------------------------------------------- axes
@st.composite
def axes(draw, ndim: int, allow_none: bool = True):
    """An axis argument for a reduction: None, an int or a tuple of distinct ints (negative
    ones included)."""
    options = [st.none()] if allow_none or ndim == 0 else []
    if ndim:
        one = st.integers(-ndim, ndim - 1)
        many = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
        options += [one, many.flatmap(
            lambda ax: st.tuples(*(st.sampled_from([a, a - ndim]) for a in ax)))]
    return draw(st.one_of(options))


def reduced_count(shape: tuple[int, ...], axis) -> int:
    """How many elements each output of a reduction over ``axis`` combines."""
    if axis is None:
        return math.prod(shape)
    ax = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a] for a in ax)


# ----------------------------------------------------------------------------- indexing
@st.composite
def repeated_int_indices(draw, shape: tuple[int, ...]):
    """An integer-array index of x (ndim >= 1) in which some position REPEATS, optionally
    behind a leading slice; negative indices included."""
    lead = draw(st.booleans()) if len(shape) > 1 else False
    dims = shape[1:] if lead else shape
    k = draw(st.integers(1, len(dims)))
    ishape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3).filter(
        lambda s: math.prod(s) >= 2))
    index = []
    for n in dims[:k]:
        idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(-n, n - 1)))
        idx.flat[-1] = idx.flat[0]  # a guaranteed repeat (same position, maybe spelled -n+i)
        index.append(idx)
    if lead:
        return (slice(None), *index)
    return index[0] if k == 1 and draw(st.booleans()) else tuple(index)


@st.composite
def bool_masks(draw, shape: tuple[int, ...]):
    """A boolean mask of the whole shape, or of the leading axis (as a list or an array)."""
    if len(shape) >= 1 and draw(st.booleans()):
        mask = draw(hnp.arrays(np.bool_, shape[:1]))
        return mask.tolist() if draw(st.booleans()) else mask
    return draw(hnp.arrays(np.bool_, shape))


def upstream(shape: tuple[int, ...]):
    """A random upstream gradient of ``shape``."""
    return arrays(shape, UPSTREAM)
