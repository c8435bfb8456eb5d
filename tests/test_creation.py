"""Factories against PyTorch's documented outputs and dtype rules, and Generator objects
across every consumer of random numbers."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader, TensorDataset, random_split


# ----------------------------------------------------------------------------- tensor()
def test_tensor_infers_dtypes_as_torch_tensor():
    assert tg.tensor([[0.1, 1.2], [2.2, 3.1]]).dtype == tg.float32
    assert tg.tensor([0, 1]).dtype == tg.int64
    assert tg.tensor([True, False]).dtype == tg.bool
    assert tg.tensor([1, 2.0]).dtype == tg.float32
    assert tg.tensor(3.14159).shape == () and tg.tensor([]).shape == (0,)
    assert tg.tensor([]).dtype == tg.float32
    assert tg.tensor([1 + 2j]).dtype == tg.complex64
    assert tg.tensor(np.array([1, 2], np.int32)).dtype == tg.int32
    assert tg.tensor([[0.11111, 0.222222, 0.3333333]], dtype=tg.float64).dtype == tg.float64
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_tensor_copies_and_as_tensor_shares():
    a = np.array([1.0, 2.0, 3.0])
    t = tg.tensor(a)
    assert not np.shares_memory(t.data, a)
    s = tg.as_tensor(a)
    a[0] = -1.0
    assert s.data[0] == -1.0 and t.data[0] == 1.0
    assert tg.as_tensor(s) is s
    assert tg.as_tensor(a, dtype=tg.float32).dtype == tg.float32
    assert tg.as_tensor([1, 2]).dtype == tg.int64


# ----------------------------------------------------------------------------- ranges
def test_arange_dtype_rules():
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == tg.int64
    assert tg.arange(1, 4).tolist() == [1, 2, 3] and tg.arange(1, 4).dtype == tg.int64
    x = tg.arange(1, 2.5, 0.5)
    assert x.tolist() == [1.0, 1.5, 2.0] and x.dtype == tg.float32
    assert tg.arange(0.0, 3).dtype == tg.float32
    assert tg.arange(3, dtype=tg.float64).dtype == tg.float64
    with pytest.raises(ValueError, match="step"):
        tg.arange(0, 3, 0)


def test_linspace_and_logspace_documented_examples():
    np.testing.assert_allclose(tg.linspace(3, 10, steps=5).data, [3.0, 4.75, 6.5, 8.25, 10.0])
    np.testing.assert_allclose(tg.linspace(-10, 10, steps=5).data, [-10.0, -5.0, 0.0, 5.0, 10.0])
    assert tg.linspace(0, 1, 1).tolist() == [0.0] and tg.linspace(0, 1, 5).dtype == tg.float32
    np.testing.assert_allclose(tg.logspace(-10, 10, steps=5).data,
                               [1e-10, 1e-05, 1.0, 1e05, 1e10], rtol=1e-6)
    np.testing.assert_allclose(tg.logspace(0.1, 1.0, steps=3, base=2).data,
                               [1.0718, 1.4641, 2.0], rtol=1e-4)
    assert tg.logspace(0, 1, 2, dtype=tg.float64).dtype == tg.float64


def test_eye_full_empty_and_likes():
    assert tg.eye(3).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert tg.eye(2, 3).shape == (2, 3) and tg.eye(2).dtype == tg.float32
    f = tg.full((2, 3), 3.141592)
    assert f.dtype == tg.float32 and np.allclose(f.data, 3.141592)
    assert tg.full((1,), 7).dtype == tg.int64 and tg.full((1,), True).dtype == tg.bool
    assert tg.empty(2, 3).shape == (2, 3) and tg.empty((2,), dtype=tg.int64).dtype == tg.int64
    x = tg.ones(2, 3, dtype=tg.float64)
    for like in (tg.zeros_like, tg.ones_like, tg.empty_like, tg.rand_like, tg.randn_like):
        y = like(x)
        assert y.shape == (2, 3) and y.dtype == tg.float64, like
        assert like(x, dtype=tg.float32).dtype == tg.float32
    assert tg.zeros_like(x).tolist() == [[0, 0, 0]] * 2
    assert tg.full_like(x, 7).tolist() == [[7, 7, 7]] * 2 and tg.full_like(x, 7).dtype == x.dtype
    assert tg.ones_like(x, requires_grad=True).requires_grad


# ----------------------------------------------------------------------------- random
def test_randint_signatures():
    a = tg.randint(3, 5, (3,))
    assert a.dtype == tg.int64 and a.shape == (3,) and all(3 <= v < 5 for v in a.tolist())
    b = tg.randint(10, (2, 2))
    assert b.shape == (2, 2) and all(0 <= v < 10 for v in b.data.ravel())
    c = tg.randint_like(b, 4)
    assert c.shape == (2, 2) and c.dtype == tg.int64 and c.data.max() < 4
    assert tg.randint_like(b, 5, 6).tolist() == [[5, 5], [5, 5]]
    assert sorted(tg.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="low < high"):
        tg.randint(5, 5, (2,))


def test_manual_seed_returns_the_default_generator():
    g = tg.manual_seed(3)
    assert g is tg.default_generator and isinstance(g, tg.Generator)
    assert g.initial_seed() == 3 == tg.initial_seed()
    a = tg.randn(4)
    tg.manual_seed(3)
    np.testing.assert_array_equal(tg.randn(4).data, a.data)


def test_generator_api():
    g = tg.Generator().manual_seed(0)
    assert isinstance(g, tg.Generator) and g.initial_seed() == 0 and g.device == "cpu"
    assert tg.Generator().initial_seed() == 67280421310721  # PyTorch's default seed
    state = g.get_state()
    assert state.dtype == tg.uint8
    a = tg.rand(5, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(tg.rand(5, generator=g).data, a.data)
    s = g.seed()
    assert g.initial_seed() == s
    with pytest.raises(ValueError, match="get_state"):
        g.set_state(tg.zeros(3, dtype=tg.uint8))


def _draws(g):
    """One draw from every consumer of a generator."""
    w = tg.empty(3, 4)
    out = [tg.rand(3, generator=g), tg.randn(3, generator=g), tg.randint(9, (3,), generator=g),
           tg.randperm(6, generator=g), tg.rand_like(w, generator=g),
           tg.randn_like(w, generator=g), tg.randint_like(w, 7, generator=g)]
    for init in (nn.init.uniform_, nn.init.normal_, nn.init.xavier_uniform_,
                 nn.init.xavier_normal_, nn.init.kaiming_uniform_, nn.init.kaiming_normal_):
        out.append(init(tg.empty(3, 4), generator=g).detach())
    out.append(nn.functional.dropout(tg.ones(20), 0.5, generator=g))
    out.append(nn.Dropout(0.5, generator=g)(tg.ones(20)))
    ds = TensorDataset(np.arange(10))
    out.extend(b for (b,) in DataLoader(ds, batch_size=4, shuffle=True, generator=g))
    out.extend(tg.tensor(list(s.indices)) for s in random_split(ds, [3, 7], generator=g))
    return [t.data for t in out]


def test_generator_reproducibility_across_every_consumer():
    first = _draws(tg.Generator().manual_seed(7))
    again = _draws(tg.Generator().manual_seed(7))
    other = _draws(tg.Generator().manual_seed(8))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_default_generator_reseeds_existing_loaders():
    """A DataLoader made before manual_seed draws from the reseeded default stream."""
    loader = DataLoader(TensorDataset(np.arange(20)), batch_size=20, shuffle=True)
    tg.manual_seed(1)
    (a,), = list(loader)
    tg.manual_seed(1)
    (b,), = list(loader)
    np.testing.assert_array_equal(a.data, b.data)


def test_numpy_generators_still_accepted():
    a = tg.rand(3, generator=np.random.default_rng(5))
    b = tg.rand(3, generator=np.random.default_rng(5))
    np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(TypeError, match="Generator"):
        tg.rand(3, generator=5)
