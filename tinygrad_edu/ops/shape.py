"""Ops that move data without arithmetic: reshape, permute, broadcast, index, join, cast,
copy."""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from .dims import along

_SMALL = 4096  # elements: below this, materialising a broadcast beats making a view


class Reshape(Function):
    """out = a viewed with a new shape;  da = g reshaped back."""

    saves_inputs = saves_output = False

    def forward(self, a, shape):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, g, out, a):
        return (g.reshape(self.in_shape),)


class Permute(Function):
    """out = a with its axes reordered;  da = g with the inverse order."""

    saves_inputs = saves_output = False

    def forward(self, a, axes):
        self.axes = tuple(ax % a.ndim for ax in axes) if a.ndim else ()
        return a.transpose(axes)

    def backward(self, g, out, a):
        return (Permute.call(g, axes=tuple(np.argsort(self.axes))),)


class BroadcastTo(Function):
    """out = a broadcast to ``shape`` (a read-only view);  da = g summed back (by the engine)."""

    op_name = "broadcast_to"

    saves_inputs = saves_output = False

    def forward(self, a, shape):
        if a.ndim > len(shape):  # the copy below would silently drop leading 1s
            raise ValueError(f"cannot broadcast a tensor of {a.ndim} dimensions to the "
                             f"{len(shape)} dimensions of {shape}")
        if math.prod(shape) <= _SMALL:  # a small copy is ~8x cheaper than np.broadcast_to
            out = np.empty_like(a, shape=shape)
            out[...] = a
            return out
        return np.broadcast_to(a, shape)

    def backward(self, g, out, a):
        return (g,)


def _is_basic(index) -> bool:
    """True for indices made only of ints, slices, None and Ellipsis (no repeated elements)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, int | slice | type(None) | type(Ellipsis)) for i in items)


class GetItem(Function):
    """out = a[index];  da = zeros with g added at ``index`` (repeated indices accumulate)."""

    saves_inputs = saves_output = False

    def forward(self, a, index):
        self.index, self.in_shape = index, a.shape
        return a[index]

    def backward(self, g, out, a):
        return (ScatterAdd.call(g, shape=self.in_shape, index=self.index),)


class ScatterAdd(Function):
    """out = zeros(shape) with g added at ``index``;  dg = (upstream)[index].

    The backward of `GetItem`, recorded as an op of its own so that it can be differentiated
    again.  Integer-array indices go through ``np.add.at`` so repeats add up.
    """

    op_name = "scatter_add"

    saves_inputs = saves_output = False

    def forward(self, g, shape, index):
        self.index = index
        out = np.zeros_like(g, shape=shape)
        if _is_basic(index) or (isinstance(index, np.ndarray) and index.dtype == bool):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gg, out, g):
        return (gg[self.index],)


class Cat(Function):
    """out = the inputs joined along ``axis``;  each input gets its slice of g."""

    saves_inputs = saves_output = False
    promote = "common"  # int64 with float32 joins as float32 (PyTorch), not float64

    def forward(self, *arrays, axis=0):
        out = np.concatenate(arrays, axis=axis)
        self.axis = axis % out.ndim
        self.bounds = np.cumsum([0] + [x.shape[self.axis] for x in arrays])
        return out

    def backward(self, g, out, *inputs):
        return tuple(g[along(self.axis, slice(lo, hi))]
                     for lo, hi in zip(self.bounds[:-1], self.bounds[1:]))


class Stack(Function):
    """out = the inputs stacked along a new ``axis``;  input i gets g[..., i, ...]."""

    saves_inputs = saves_output = False
    promote = "common"  # int64 with float32 joins as float32 (PyTorch), not float64

    def forward(self, *arrays, axis=0):
        out = np.stack(arrays, axis=axis)
        self.axis = axis % out.ndim
        return out

    def backward(self, g, out, *inputs):
        return tuple(g[along(self.axis, i)] for i in range(len(inputs)))


class Cast(Function):
    """out = a converted to ``dtype``;  da = g (the engine casts it back to a's dtype)."""

    saves_inputs = saves_output = False

    def forward(self, a, dtype):
        return a.astype(dtype)

    def backward(self, g, out, a):
        return (g,)


class Clone(Cast):
    """out = a copy of a (new memory);  da = g."""

    def forward(self, a):
        return a.copy()
