"""Dataset, TensorDataset, Subset, DataLoader, random_split and one_hot (PyTorch semantics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    one_hot,
    random_split,
)
from tinygrad_edu.tensor import Tensor


def index_loader(n: int, **kwargs) -> DataLoader:
    return DataLoader(TensorDataset(np.arange(n)), **kwargs)


def epoch(loader: DataLoader) -> list[np.ndarray]:
    return [batch[0].data for batch in loader]


class Squares(Dataset):
    """A plain Dataset: item i is (an array, an int)."""

    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int):
        return np.full(3, float(i)), i * i


def test_dataset_is_abstract():
    with pytest.raises(TypeError):
        Dataset()


def test_tensor_dataset_items_and_dtypes():
    x = np.arange(12, dtype=np.uint8).reshape(4, 3)
    y = Tensor(np.array([3, 1, 4, 1]))
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert isinstance(xi, Tensor) and isinstance(yi, Tensor)
    assert xi.data.dtype == np.uint8 and xi.data.tolist() == [6, 7, 8]
    assert yi.data.dtype == np.int64 and int(yi.data) == 4


def test_tensor_dataset_length_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(5,\)"):
        TensorDataset(np.zeros((4, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset(np.zeros(3), np.float64(1.0))
    with pytest.raises(ValueError):
        TensorDataset()


@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_every_index_once(n, batch_size, drop_last, shuffle, seed):
    loader = index_loader(n, batch_size=batch_size, drop_last=drop_last, shuffle=shuffle,
                          generator=seed)
    batches = epoch(loader)
    assert len(batches) == len(loader) == (n // batch_size if drop_last
                                          else -(-n // batch_size))
    sizes = [len(b) for b in batches]
    assert all(s == batch_size for s in sizes[:-1])
    if drop_last:
        assert sizes == [batch_size] * (n // batch_size)
    seen = np.concatenate(batches) if batches else np.array([], dtype=np.int64)
    assert len(set(seen.tolist())) == len(seen) == sum(sizes)
    if not drop_last:
        assert sorted(seen.tolist()) == list(range(n))
    if not shuffle:
        assert seen.tolist() == list(range(len(seen)))


def test_shuffle_is_seeded_and_changes_across_epochs():
    a = index_loader(50, batch_size=7, shuffle=True, generator=123)
    b = index_loader(50, batch_size=7, shuffle=True, generator=np.random.default_rng(123))
    a1, a2 = np.concatenate(epoch(a)), np.concatenate(epoch(a))
    b1, b2 = np.concatenate(epoch(b)), np.concatenate(epoch(b))
    assert np.array_equal(a1, b1) and np.array_equal(a2, b2)
    assert not np.array_equal(a1, a2)
    assert not np.array_equal(a1, np.arange(50))
    c = index_loader(50, batch_size=7, shuffle=True, generator=124)
    assert not np.array_equal(np.concatenate(epoch(c)), a1)


def test_tensor_dataset_batches_use_one_fancy_index(monkeypatch):
    def no_items(self, index):
        raise AssertionError("DataLoader must not fetch TensorDataset items one by one")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_items)
    images = np.arange(10 * 4, dtype=np.uint8).reshape(10, 2, 2)
    labels = np.arange(10, dtype=np.int64) % 3
    ds = TensorDataset(images, labels)
    for loader in (DataLoader(ds, batch_size=4, shuffle=True, generator=0),
                   DataLoader(random_split(ds, [6, 4], generator=1)[0], batch_size=4)):
        for x, y in loader:
            assert isinstance(x, Tensor) and x.data.dtype == np.uint8 and x.shape[1:] == (2, 2)
            assert y.data.dtype == np.int64
            assert np.array_equal(x.data[:, 0, 0] // 4 % 3, y.data)


def test_generic_dataset_items_are_stacked():
    (x, y), (x2, y2) = DataLoader(Squares(), batch_size=3)
    assert isinstance(x, Tensor) and x.shape == (3, 3) and x.data.dtype == np.float64
    assert y.data.tolist() == [0, 1, 4] and y2.data.tolist() == [9, 16]
    assert x2.data[:, 0].tolist() == [3.0, 4.0]


@pytest.mark.parametrize("batch_size", [0, -1, 2.0, True, None])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=batch_size)


@pytest.mark.parametrize(("n", "fractions", "expected"), [
    (10, [0.3, 0.3, 0.4], [3, 3, 4]),
    (11, [0.5, 0.5], [6, 5]),
    (1593, [0.7, 0.15, 0.15], [1116, 239, 238]),  # floors 1115, 238, 238 + 2
])
def test_random_split_fractions_like_pytorch(n, fractions, expected):
    parts = random_split(TensorDataset(np.arange(n)), fractions, generator=0)
    assert [len(p) for p in parts] == expected


@given(n=st.integers(0, 60), cuts=st.lists(st.integers(0, 60), max_size=4),
       seed=st.integers(0, 1000))
def test_random_split_partitions(n, cuts, seed):
    bounds = sorted(min(c, n) for c in cuts)
    lengths = np.diff([0, *bounds, n]).tolist()
    ds = TensorDataset(np.arange(n) * 10)
    parts = random_split(ds, lengths, generator=seed)
    assert all(isinstance(p, Subset) for p in parts)
    assert [len(p) for p in parts] == lengths
    values = [int(p[i][0].data) for p in parts for i in range(len(p))]
    assert sorted(values) == list(range(0, 10 * n, 10))
    again = random_split(ds, lengths, generator=seed)
    assert all(np.array_equal(p.indices, q.indices) for p, q in zip(parts, again, strict=True))


@pytest.mark.parametrize("lengths", [[3, 3], [5, 6], [0.5, 0.6], [-1, 11], [2.5, 7.5]])
def test_random_split_bad_lengths(lengths):
    with pytest.raises(ValueError, match="random_split"):
        random_split(TensorDataset(np.arange(10)), lengths)


def test_one_hot_like_pytorch():
    labels = np.array([[0, 2], [1, 2]])
    out = one_hot(labels)
    assert isinstance(out, np.ndarray) and out.dtype == np.int64 and out.shape == (2, 2, 3)
    assert out.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 0, 1]]]
    t = one_hot(Tensor(np.array([1, 0])), num_classes=4)
    assert isinstance(t, Tensor) and t.data.dtype == np.int64
    assert t.data.tolist() == [[0, 1, 0, 0], [1, 0, 0, 0]]
    assert one_hot(np.array([], dtype=np.int64), 3).shape == (0, 3)
    assert one_hot([3]).tolist() == [[0, 0, 0, 1]]


@given(st.lists(st.integers(0, 9), min_size=1, max_size=30))
def test_one_hot_argmax_round_trip(values):
    out = one_hot(np.array(values, dtype=np.uint8), 10)
    assert out.sum(axis=1).tolist() == [1] * len(values)
    assert out.argmax(axis=1).tolist() == values


@pytest.mark.parametrize(("labels", "num_classes", "error"), [
    (np.array([0, 3]), 3, ValueError),
    (np.array([-1, 0]), -1, ValueError),
    (np.array([], dtype=np.int64), -1, ValueError),
    (np.array([0.0, 1.0]), 2, TypeError),
])
def test_one_hot_errors(labels, num_classes, error):
    with pytest.raises(error, match="one_hot"):
        one_hot(labels, num_classes)
