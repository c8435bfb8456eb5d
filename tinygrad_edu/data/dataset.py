"""Datasets and mini-batches with PyTorch's names and semantics.

* `Dataset`: anything with ``__getitem__(i)`` and ``__len__()``.
* `TensorDataset(*arrays)`: item ``i`` is ``tuple(Tensor(a[i]) for a in arrays)``.
* `Subset(dataset, indices)`: a view of some items; `random_split` returns these.
* `DataLoader`: iterates over mini-batches of `Tensor` objects, optionally shuffled with a
  seeded ``numpy.random.Generator``.
* `one_hot(labels, num_classes)`: int64 one-hot encoding, like ``torch.nn.functional.one_hot``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import numpy as np

from ..random import Generator, numpy_rng
from ..tensor import Tensor, from_numpy

SeedLike: TypeAlias = Generator | np.random.Generator | int | None


def _rng(generator: SeedLike) -> np.random.Generator:
    """The stream of a Generator as given, of one seeded by an int, or (None) of the
    framework's global one, so ``tinygrad_edu.manual_seed`` makes shuffling reproducible
    as in PyTorch."""
    if isinstance(generator, int | np.integer) and not isinstance(generator, bool):
        return np.random.default_rng(generator)
    return numpy_rng(generator)  # type: ignore[arg-type]  # a bool: numpy_rng raises


class Dataset(ABC):
    """A sized collection of items, indexed by ``0 <= i < len(dataset)``."""

    @abstractmethod
    def __getitem__(self, index: int) -> Any: ...

    @abstractmethod
    def __len__(self) -> int: ...


class TensorDataset(Dataset):
    """Items are tuples ``(t[i] for t in tensors)`` of equally long arrays or tensors.

    ``tensors`` holds one `Tensor` per argument (arrays keep their dtype).  All must have
    the same size along dimension 0, else ``ValueError`` naming every shape.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array or tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        shapes = [t.shape for t in self.tensors]
        if any(len(s) == 0 for s in shapes) or len({s[0] for s in shapes}) != 1:
            raise ValueError(
                f"TensorDataset: got shapes {shapes}; expected arrays with at least one "
                "dimension and the same size along dimension 0"
            )

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.data[index]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The items ``dataset[i] for i in indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: SeedLike = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random `Subset` objects of the given lengths.

    ``lengths`` are item counts summing to ``len(dataset)``, or fractions summing to 1:
    then each gets ``floor(n * fraction)`` items and the remaining items go one each to
    the first subsets, round-robin (as in PyTorch).  ``generator``: a
    ``tinygrad_edu.Generator`` (or ``numpy.random.Generator``), an int seed, or None.
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= f <= 1 for f in lengths):
            raise ValueError(f"random_split: fractions {list(lengths)} must lie in [0, 1]")
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(c) for c in lengths]
        if any(c != length or c < 0 for c, length in zip(counts, lengths, strict=True)):
            raise ValueError(f"random_split: lengths {list(lengths)} must be non-negative "
                             "integers, or fractions summing to 1")
    if sum(counts) != n:
        raise ValueError(f"random_split: lengths {list(lengths)} sum to {sum(counts)}; "
                         f"expected the dataset length {n}")
    order = _rng(generator).permutation(n)
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - c:end]) for c, end in zip(counts, ends, strict=True)]


def _fast_batch(dataset: Dataset, indices: np.ndarray) -> tuple[Tensor, ...] | None:
    """Index a TensorDataset (possibly behind Subsets) with one fancy index per array."""
    while isinstance(dataset, Subset):
        indices = dataset.indices[indices]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset):
        return tuple(from_numpy(t.data[indices]) for t in dataset.tensors)  # fresh: no copy
    return None


def _collate(items: list[Any]) -> Any:
    """Stack a list of items into one batch: tuples field by field, values into Tensors."""
    first = items[0]
    if isinstance(first, tuple | list):
        return type(first)(_collate(list(field)) for field in zip(*items, strict=True))
    return from_numpy(np.stack([x.data if isinstance(x, Tensor) else np.asarray(x)
                                for x in items]))


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of `Tensor` objects.

    Each pass (epoch) visits every index exactly once, in order or - with ``shuffle`` - in
    a new random order drawn from ``generator`` (a ``tinygrad_edu.Generator``, a
    ``numpy.random.Generator``, an int seed,
    or None for the global generator that ``tinygrad_edu.manual_seed`` seeds, as in
    PyTorch); the same seed gives the same sequence of epochs.  The last
    batch may be smaller, unless ``drop_last`` drops it.  ``len(loader)`` is the number of
    batches per epoch.  Items of a `TensorDataset` (or `Subset` of one) are gathered with
    one fancy index per array; other datasets' items are stacked (tuples field by field).
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: SeedLike = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size={batch_size!r}; expected a positive int")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = _rng(generator)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            batch = _fast_batch(self.dataset, indices)
            yield batch if batch is not None else _collate([self.dataset[int(i)]
                                                            for i in indices])


def one_hot(labels: Any, num_classes: int = -1) -> Any:
    """One-hot encode integer class labels, as ``torch.nn.functional.one_hot``.

    ``labels`` of shape S (integers ``0 <= label < num_classes``) give an int64 result of
    shape ``S + (num_classes,)``; ``num_classes=-1`` means ``labels.max() + 1``.  A `Tensor`
    gives a `Tensor`, anything else an ``np.ndarray``.
    """
    values = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if values.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels have dtype {values.dtype}; expected integers")
    if num_classes == -1:
        if values.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels")
        num_classes = int(values.max()) + 1
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(f"one_hot: labels range over [{values.min()}, {values.max()}]; "
                         f"expected values in [0, {num_classes - 1}]")
    out = (values[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor(out) if isinstance(labels, Tensor) else out
