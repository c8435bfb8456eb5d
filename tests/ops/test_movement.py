"""Movement ops with PyTorch's names and arguments (flip roll repeat tile repeat_interleave
narrow split chunk unbind movedim moveaxis contiguous view_as reshape_as expand_as), and
every dim argument out of range raising PyTorch's IndexError instead of wrapping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

from .checks import check_op
from .strategies import arrays, shapes


def _dim(draw, shape):
    nd = max(len(shape), 1)
    return draw(st.integers(-nd, nd - 1))


@st.composite
def _case(draw, name: str):
    """(input shape, op on a Tensor, NumPy reference) for one movement op."""
    shape = draw(shapes(min_dims=0 if name in ("flip", "roll", "repeat", "tile") else 1))
    nd = len(shape)
    if name == "flip":
        dims = draw(st.lists(st.integers(0, max(nd, 1) - 1), unique=True, max_size=nd)) if nd \
            else []
        return shape, lambda t: t.flip(*dims), lambda a: np.flip(a, dims) if nd else a
    if name == "roll":
        if not nd or draw(st.booleans()):
            s = draw(st.integers(-4, 4))
            return shape, lambda t: tg.roll(t, s), lambda a: np.roll(a, s)
        dims = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                             unique_by=lambda d: d % nd))
        shifts = [draw(st.integers(-4, 4)) for _ in dims]
        return shape, lambda t: t.roll(shifts, dims), lambda a: np.roll(a, shifts, dims)
    if name in ("repeat", "tile"):
        extra = draw(st.integers(0, 1))
        if name == "tile":
            extra = draw(st.integers(-nd, 1))
        sizes = tuple(draw(st.integers(1 if nd + extra > 2 else 0, 2))
                      for _ in range(max(nd + extra, 0)))
        fn = (lambda t: t.repeat(*sizes)) if name == "repeat" else (lambda t: tg.tile(t, sizes))
        return shape, fn, lambda a: np.tile(a, sizes)
    if name in ("repeat_interleave", "repeat_interleave(tensor)", "repeat_interleave(flat)"):
        dim = draw(st.integers(-nd, nd - 1))
        if name == "repeat_interleave(flat)":
            r = draw(st.integers(0, 2))
            return shape, lambda t: tg.repeat_interleave(t, r), lambda a: np.repeat(a, r)
        if name == "repeat_interleave":
            r = draw(st.integers(0, 3))
            return shape, lambda t: t.repeat_interleave(r, dim), lambda a: np.repeat(a, r, dim)
        counts = np.array([draw(st.integers(0, 3)) for _ in range(shape[dim])])
        return shape, lambda t: t.repeat_interleave(tg.Tensor(counts), dim=dim), \
            lambda a: np.repeat(a, counts, dim)
    if name == "narrow":
        dim = draw(st.integers(-nd, nd - 1))
        n = shape[dim]
        start = draw(st.integers(-n, n - 1))
        length = draw(st.integers(0, n - start % n))
        lo = start % n
        return shape, lambda t: t.narrow(dim, start, length), \
            lambda a: np.take(a, range(lo, lo + length), axis=dim)
    if name in ("split", "split(sections)", "chunk", "unbind"):
        dim = draw(st.integers(-nd, nd - 1))
        n = shape[dim]
        if name == "split":
            s = draw(st.integers(1, 3))
            pieces, ref_cuts = (lambda t: t.split(s, dim)), list(range(s, n, s))
        elif name == "split(sections)":
            cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
            sizes = np.diff([0, *cuts, n]).tolist()
            pieces, ref_cuts = (lambda t: tg.split(t, sizes, dim=dim)), cuts
        elif name == "chunk":
            c = draw(st.integers(1, 4))
            size = -(-n // c)
            pieces, ref_cuts = (lambda t: t.chunk(c, dim)), list(range(size, n, size))
        else:
            return shape, lambda t: tg.cat([p.flatten() for p in t.unbind(dim)]), \
                lambda a: np.concatenate([np.take(a, i, axis=dim).ravel() for i in range(n)])
        # every piece's gradient reaches x: join the pieces flattened
        return shape, lambda t: tg.cat([p.flatten() for p in pieces(t)]), \
            lambda a: np.concatenate([p.ravel() for p in np.split(a, ref_cuts, axis=dim)])
    if name in ("movedim", "moveaxis"):
        k = draw(st.integers(1, nd))
        src = draw(st.permutations(range(nd)))[:k]
        dst = [d - draw(st.sampled_from([0, nd])) for d in draw(st.permutations(range(nd)))[:k]]
        fn = tg.movedim if name == "movedim" else tg.moveaxis
        return shape, lambda t: fn(t, src, dst), lambda a: np.moveaxis(a, src, dst)
    if name == "contiguous":
        return shape, lambda t: t.T.contiguous(), lambda a: np.ascontiguousarray(a.T)
    other = np.zeros(draw(st.permutations(shape)) if name != "expand_as" else
                     (draw(st.integers(1, 2)), *shape))
    if name == "view_as":
        return shape, lambda t: t.view_as(tg.Tensor(other.reshape(-1))), lambda a: a.ravel()
    if name == "reshape_as":
        return shape, lambda t: t.reshape_as(tg.Tensor(other)), lambda a: a.reshape(other.shape)
    assert name == "expand_as"
    return shape, lambda t: t.expand_as(tg.Tensor(other)), \
        lambda a: np.broadcast_to(a, other.shape)


MOVES = ["flip", "roll", "repeat", "tile", "repeat_interleave", "repeat_interleave(tensor)",
         "repeat_interleave(flat)", "narrow", "split", "split(sections)", "chunk", "unbind",
         "movedim", "moveaxis", "contiguous", "view_as", "reshape_as", "expand_as"]


@pytest.mark.parametrize("name", MOVES)
@given(data=st.data())
def test_movement(name, data):
    shape, fn, ref = data.draw(_case(name))
    check_op(fn, [data.draw(arrays(shape))], data, ref)


def test_repeat_is_numpy_tile_and_repeat_interleave_is_numpy_repeat():
    x = tg.Tensor([1, 2, 3])
    np.testing.assert_array_equal(x.repeat(2).data, [1, 2, 3, 1, 2, 3])
    np.testing.assert_array_equal(x.repeat_interleave(2).data, [1, 1, 2, 2, 3, 3])
    assert x.repeat(2, 2).shape == (2, 6) and tg.tile(tg.zeros(2, 3), (2,)).shape == (2, 6)


def test_chunk_gives_fewer_pieces_when_sizes_come_out_that_way():
    assert [p.shape for p in tg.zeros(6).chunk(4)] == [(2,), (2,), (2,)]
    assert [p.shape for p in tg.zeros(5).chunk(3)] == [(2,), (2,), (1,)]
    assert [p.shape for p in tg.zeros(0).chunk(2)] == [(0,), (0,)]


def test_contiguous_returns_the_tensor_itself_when_already_contiguous():
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    assert x.contiguous() is x and x.is_contiguous()
    assert not x.T.is_contiguous() and x.T.contiguous().is_contiguous()


# ----------------------------------------------------------------------------- dims
def _z(*shape):
    return tg.Tensor(np.zeros(shape))


# (call, expected range, dim given): every op that takes a dim
OUT_OF_RANGE = {
    "squeeze": (lambda: _z(4, 1, 6, 6).squeeze(5), (-4, 3), 5),
    "squeeze tuple": (lambda: _z(4, 1, 6, 6).squeeze((1, -5)), (-4, 3), -5),
    "unsqueeze": (lambda: _z(2, 3).unsqueeze(7), (-3, 2), 7),
    "unsqueeze -4": (lambda: _z(2, 3).unsqueeze(-4), (-3, 2), -4),
    "unsqueeze 0-d": (lambda: _z().unsqueeze(1), (-1, 0), 1),
    "sum": (lambda: _z(2, 3).sum(2), (-2, 1), 2),
    "sum 0-d": (lambda: _z().sum(1), (-1, 0), 1),
    "mean tuple": (lambda: _z(2, 3).mean((0, -3)), (-2, 1), -3),
    "var": (lambda: _z(2, 3).var(dim=2), (-2, 1), 2),
    "std": (lambda: _z(2, 3).std(-3), (-2, 1), -3),
    "logsumexp": (lambda: _z(2, 3).logsumexp(2), (-2, 1), 2),
    "max": (lambda: _z(2, 3).max(2), (-2, 1), 2),
    "min": (lambda: _z(2, 3).min(dim=-3), (-2, 1), -3),
    "argmax": (lambda: _z(2, 3).argmax(2), (-2, 1), 2),
    "argmin 0-d": (lambda: _z().argmin(1), (-1, 0), 1),
    "softmax": (lambda: _z(2, 3).softmax(2), (-2, 1), 2),
    "log_softmax": (lambda: _z(2, 3).log_softmax(dim=-3), (-2, 1), -3),
    "cat": (lambda: tg.cat([_z(2), _z(2)], 1), (-1, 0), 1),
    "stack": (lambda: tg.stack([_z(2)], 3), (-2, 1), 3),
    "flatten": (lambda: _z(2, 3).flatten(0, 4), (-2, 1), 4),
    "transpose": (lambda: _z(2, 3).transpose(0, 2), (-2, 1), 2),
    "transpose via swapaxes": (lambda: tg.swapaxes(_z(2, 3), -3, 0), (-2, 1), -3),
    "permute": (lambda: _z(2, 3).permute(0, 5), (-2, 1), 5),
    "flip": (lambda: _z(2, 3).flip(2), (-2, 1), 2),
    "roll": (lambda: _z(2, 3).roll(1, 2), (-2, 1), 2),
    "narrow": (lambda: _z(2, 3).narrow(2, 0, 1), (-2, 1), 2),
    "split": (lambda: _z(2, 3).split(1, 2), (-2, 1), 2),
    "chunk": (lambda: _z(2, 3).chunk(2, -3), (-2, 1), -3),
    "unbind": (lambda: _z(2, 3).unbind(2), (-2, 1), 2),
    "movedim": (lambda: _z(2, 3).movedim(0, 3), (-2, 1), 3),
    "repeat_interleave": (lambda: _z(2, 3).repeat_interleave(2, 2), (-2, 1), 2),
    "gather": (lambda: _z(2, 3).gather(2, tg.Tensor([[0]])), (-2, 1), 2),
    "index_select": (lambda: _z(2, 3).index_select(2, tg.Tensor([0])), (-2, 1), 2),
    "take_along_dim": (lambda: _z(2, 3).take_along_dim(tg.Tensor([[0]]), 2), (-2, 1), 2),
    "sort": (lambda: _z(2, 3).sort(2), (-2, 1), 2),
    "argsort": (lambda: _z(2, 3).argsort(-3), (-2, 1), -3),
    "topk": (lambda: _z(2, 3).topk(1, 2), (-2, 1), 2),
    "median": (lambda: _z(2, 3).median(2), (-2, 1), 2),
    "mode": (lambda: _z(2, 3).mode(2), (-2, 1), 2),
    "kthvalue": (lambda: _z(2, 3).kthvalue(1, 2), (-2, 1), 2),
}


@pytest.mark.parametrize("name", list(OUT_OF_RANGE))
def test_dim_out_of_range_raises_index_error(name):
    """PyTorch's IndexError and message; the old code wrapped dims modulo ndim
    ((4, 1, 6, 6).squeeze(5) gave (4, 6, 6), (2, 3).unsqueeze(7) gave (2, 1, 3))."""
    call, (lo, hi), got = OUT_OF_RANGE[name]
    op = name.split()[0]
    with pytest.raises(IndexError, match=rf"^{op}: Dimension out of range \(expected to be "
                                         rf"in range of \[{lo}, {hi}\], but got {got}\)$"):
        call()


@pytest.mark.parametrize("call", [
    lambda: _z(2, 3).sum((0, 0)), lambda: _z(2, 3).sum((1, -1)),
    lambda: _z(2, 3).permute(0, 0), lambda: _z(2, 3).flip(0, -2),
], ids=["sum", "sum negative", "permute", "flip"])
def test_repeated_dims_are_refused(call):
    with pytest.raises(RuntimeError, match="appears multiple times in the list of dims"):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: _z(5).split([2, 2]), "split_sizes to sum exactly to 5"),
    (lambda: _z(5).chunk(0), "greater than 0"),
    (lambda: _z(5).narrow(0, 3, 4), r"start \(3\) \+ length \(4\) exceeds dimension size"),
    (lambda: _z(2, 3).repeat(2), "can not be smaller than number of dimensions"),
    (lambda: _z(3).repeat_interleave(tg.Tensor([1, 2])), "size 3"),
    (lambda: _z(2, 3).roll((1, 1), 0), "shifts and dimensions must align"),
    (lambda: _z(2, 3).roll((1, 1)), r"roll: without dims, shifts must be one int, got \(1, 1\)"),
    (lambda: _z(2, 3).movedim((0, 1), 0), "same number of dims"),
], ids=["split", "chunk", "narrow", "repeat", "repeat_interleave", "roll", "roll no dims",
        "movedim"])
def test_bad_sizes_raise_shape_error(call, message):
    with pytest.raises(tg.ShapeError, match=message):
        call()


def test_roll_over_several_dims_rolls_the_gradient_back():
    x = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    w = np.arange(6.0).reshape(2, 3)                   # a different weight on every entry
    (x.roll((1, -1), (0, 1)) * tg.Tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.roll(w, (-1, 1), (0, 1)))
