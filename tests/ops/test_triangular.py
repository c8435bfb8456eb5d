"""tril / triu: the triangle of the last two axes, any diagonal offset, stacks of matrices;
first and second derivatives, and PyTorch's documented examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.errors import ShapeError

from .checks import check_op
from .strategies import arrays, shapes

TRIANGULAR = {
    "tril": (tg.tril, np.tril),
    "triu": (tg.triu, np.triu),
    "x.tril": (lambda x, diagonal: x.tril(diagonal), np.tril),
    "x.triu": (lambda x, diagonal: x.triu(diagonal), np.triu),
}


@pytest.mark.parametrize("name", list(TRIANGULAR))
@given(data=st.data(), shape=shapes(min_dims=2), diagonal=st.integers(-3, 3))
def test_triangular(name, data, shape, diagonal):
    fn, ref = TRIANGULAR[name]
    check_op(lambda x: fn(x, diagonal=diagonal), [data.draw(arrays(shape))], data,
             lambda a: ref(a, diagonal))


def test_pytorch_documented_example():
    """torch.tril / torch.triu docs: a 3x3 (and 4x6 with offsets) keeps the triangle."""
    a = tg.Tensor(np.arange(1.0, 10.0).reshape(3, 3))
    np.testing.assert_array_equal(tg.tril(a).data, [[1, 0, 0], [4, 5, 0], [7, 8, 9]])
    np.testing.assert_array_equal(tg.triu(a, 1).data, [[0, 2, 3], [0, 0, 6], [0, 0, 0]])
    np.testing.assert_array_equal(tg.tril(a, -1).data, [[0, 0, 0], [4, 0, 0], [7, 8, 0]])
    b = tg.ones(4, 6)
    assert tg.tril(b, 1).data.sum(axis=1).tolist() == [2, 3, 4, 5]   # j <= i + 1
    assert tg.triu(b, -1).data.sum(axis=1).tolist() == [6, 6, 5, 4]  # j >= i - 1


def test_gradient_is_the_triangle_of_the_upstream_gradient():
    x = tg.Tensor(np.ones((2, 3, 3)), requires_grad=True)
    tg.triu(x, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(np.triu(np.ones((3, 3)), 1),
                                                               (2, 3, 3)))


def test_needs_two_dimensions():
    with pytest.raises(ShapeError, match=r"tril.*at least 2 dimensions.*\(3,\)"):
        tg.tril(tg.ones(3))
