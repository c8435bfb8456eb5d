"""The Tensor as a container, and the factory functions: PyTorch's dtype rules and names."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


# ----------------------------------------------------------------------------- factories
@pytest.mark.parametrize("fill, dtype", [(3, np.int64), (2.5, np.float32), (True, np.bool_),
                                         (np.float64(1.5), np.float64)])
def test_full_takes_its_dtype_from_the_value(fill, dtype):
    """torch.full((2,), 3) is int64, a Python float gives the default dtype."""
    t = tg.full((2, 3), fill)
    assert t.dtype == dtype and t.shape == (2, 3)
    assert (t.data == fill).all()
    assert tg.full((2,), 3, dtype=np.float64).dtype == np.float64


def test_full_follows_the_default_dtype():
    tg.set_default_dtype(np.float64)
    try:
        assert tg.full(2, 0.5).dtype == np.float64
    finally:
        tg.set_default_dtype(np.float32)


@pytest.mark.parametrize("args, kwargs", [
    ((5,), {}), ((5,), {"step": 2}), ((2, 9), {}), ((2, 9, 3), {}), ((9, 2, -2), {}),
    ((0.0, 1.0, 0.25), {}), ((5,), {"dtype": np.float64}),
])
def test_arange_is_numpys_with_pytorchs_dtypes(args, kwargs):
    t = tg.arange(*args, **kwargs)
    want = np.arange(*args, **kwargs)
    np.testing.assert_array_equal(t.data, want)
    expected = kwargs.get("dtype", np.int64 if want.dtype.kind == "i" else np.float32)
    assert t.dtype == expected


@pytest.mark.parametrize("make", [tg.zeros, tg.ones, tg.rand, tg.randn])
def test_factories_accept_both_shape_forms_and_use_the_default_dtype(make):
    assert make(2, 3).shape == make((2, 3)).shape == (2, 3)
    assert make(2).dtype == np.float32 and make(2, dtype=np.float64).dtype == np.float64


# ----------------------------------------------------------------------------- as a container
def test_size_is_pytorchs_shape_and_numel_the_count():
    x = tg.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24 and x.dim() == x.ndim == 3


def test_iteration_gives_the_rows_and_refuses_a_0d_tensor():
    x = tg.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3
    np.testing.assert_array_equal(rows[2].data, [4.0, 5.0])
    sum(r.sum() * float(i) for i, r in enumerate(rows)).backward()  # rows are graph ops
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(tg.Tensor(1.0))


def test_comparing_with_none_is_false_not_elementwise():
    x = tg.Tensor([1.0, 2.0])
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert x is not None
    np.testing.assert_array_equal((x == tg.Tensor([1.0, 3.0])).data, [True, False])


def test_item_and_len():
    assert tg.Tensor([[2.5]]).item() == 2.5 and len(tg.zeros(4, 2)) == 4
    with pytest.raises(ValueError, match=r"only one-element tensors .* shape \(2,\)"):
        tg.Tensor([1.0, 2.0]).item()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tg.Tensor(1.0))


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_an_ndarray_subclass_becomes_a_plain_array():
    """np.matrix's ``*`` is a matrix product: a tensor made from one holds a plain ndarray,
    so ``t * t`` is elementwise, as torch.tensor(np.matrix(...)) is."""
    t = tg.Tensor(np.matrix([[1.0, 2.0], [3.0, 4.0]]))
    assert type(t.data) is np.ndarray
    np.testing.assert_array_equal((t * t).data, [[1.0, 4.0], [9.0, 16.0]])
    assert type(tg.Tensor(np.matrix([[1, 2]]), dtype=tg.float64).data) is np.ndarray


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_as_array_keeps_only_arrays_that_override_numpys_dispatch():
    """The ops convert their operands with ``as_array``: np.matrix becomes a plain array
    (as np.asarray), an array class with its own ``__array_function__`` (a tracer's) stays."""
    from tinygrad_edu.tensor import as_array

    class Dispatching(np.ndarray):
        def __array_function__(self, func, types, args, kwargs):
            return super().__array_function__(func, types, args, kwargs)
    m = as_array(np.matrix([[1, 2]]))
    assert type(m) is np.ndarray and m.shape == (1, 2)
    d = np.zeros(3).view(Dispatching)
    assert as_array(d) is d
    assert type(as_array([1.0, 2.0])) is np.ndarray
