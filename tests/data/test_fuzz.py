"""Damaged files: random byte flips and truncations of small files in every real format.

Each outcome must be a load that satisfies everything the loader documents (shapes,
dtypes, value ranges), or a `DataFormatError` naming the file: never another exception
(zlib.error, h5py's RuntimeError ...), never a crash.  Seeded and bounded.
"""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest
import scipy.io

from tinygrad_edu.data import (
    DataFormatError,
    load_catvnoncat,
    load_mnist,
    load_ng_digits,
    load_semeion,
)

from .fakes import cat_h5, idx_gz, ng_labels_gz, semeion_bytes, text_gz, write

CASES = 200  # per format and mutation kind


def flips(good: bytes, rng: np.random.Generator) -> bytes:
    damaged = bytearray(good)
    for pos in rng.integers(0, len(good), rng.integers(1, 5)):
        damaged[pos] ^= int(rng.integers(1, 256))
    return bytes(damaged)


def truncation(good: bytes, rng: np.random.Generator) -> bytes:
    return good[:rng.integers(0, len(good))]


def regzipped(mutate):
    """Mutate the decompressed content and gzip it again, so the damage reaches the parser."""
    return lambda good, rng: gzip.compress(mutate(gzip.decompress(good), rng), mtime=0)


def check_semeion(root):
    X, y = load_semeion(root)
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 256
    assert set(np.unique(X)) <= {0.0, 1.0}
    assert y.dtype == np.int64 and y.shape == (len(X),) and y.min() >= 0 and y.max() <= 9


def check_mnist(root):
    images, labels = load_mnist("test", root)
    assert images.dtype == np.uint8 and images.ndim == 3 and images.shape[1:] == (28, 28)
    assert labels.dtype == np.int64 and labels.shape == (len(images),)
    assert labels.size == 0 or (labels.min() >= 0 and labels.max() <= 9)


def check_ng(root):
    X, y = load_ng_digits(root)
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 400
    assert np.isfinite(X).all()
    assert y.dtype == np.int64 and y.shape == (len(X),) and y.min() >= 0 and y.max() <= 9


def check_cats(root):
    train_x, train_y, test_x, test_y, classes = load_catvnoncat(root)
    for x, y in ((train_x, train_y), (test_x, test_y)):
        assert x.dtype == np.uint8 and x.ndim == 4 and x.shape[1:] == (64, 64, 3)
        assert y.dtype == np.int64 and y.shape == (len(x),) and set(np.unique(y)) <= {0, 1}
    assert classes == ("non-cat", "cat")


def savemat_bytes(compress: bool) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"X": np.random.default_rng(4).normal(size=(3, 400)),
                              "y": np.array([[10], [1], [9]], dtype=np.uint8)},
                     do_compression=compress)
    return buffer.getvalue()


def formats():
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    cats = cat_h5("train", rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8),
                  np.array([0, 1]))
    # (id, file name, good bytes, the other files of the data root, check)
    return [
        ("semeion", "semeion/semeion.data",
         semeion_bytes(np.eye(3, 256), np.array([4, 0, 9])), {}, check_semeion),
        ("mnist-images-gz", "mnist/t10k-images-idx3-ubyte.gz", idx_gz(images),
         {"mnist/t10k-labels-idx1-ubyte.gz": idx_gz(np.array([1, 7]))}, check_mnist),
        ("mnist-images-raw", "mnist/t10k-images-idx3-ubyte", gzip.decompress(idx_gz(images)),
         {"mnist/t10k-labels-idx1-ubyte.gz": idx_gz(np.array([1, 7]))}, check_mnist),
        ("mnist-labels-raw", "mnist/t10k-labels.idx1-ubyte", gzip.decompress(idx_gz(
            np.array([1, 7]))), {"mnist/t10k-images-idx3-ubyte.gz": idx_gz(images)},
         check_mnist),
        ("mnist-labels-gz", "mnist/t10k-labels-idx1-ubyte.gz", idx_gz(np.array([1, 7])),
         {"mnist/t10k-images-idx3-ubyte.gz": idx_gz(images)}, check_mnist),
        ("ng-labels-gz", "ng_digits_5000/labels.gz", ng_labels_gz(np.array([0, 5, 9])),
         {"ng_digits_5000/images.gz": text_gz(rng.normal(size=(3, 400)))}, check_ng),
        ("ng-images-gz", "ng_digits_5000/images.gz", text_gz(rng.normal(size=(3, 400))),
         {"ng_digits_5000/labels.gz": ng_labels_gz(np.array([0, 5, 9]))}, check_ng),
        ("ex4data1-compressed", "ng_digits_5000/ex4data1.mat", savemat_bytes(True), {},
         check_ng),
        ("ex4data1-uncompressed", "ng_digits_5000/ex4data1.mat", savemat_bytes(False), {},
         check_ng),
        ("catvnoncat-h5", "catvnoncat/train_catvnoncat.h5", cats,
         {"catvnoncat/test_catvnoncat.h5": cat_h5(
             "test", np.zeros((1, 64, 64, 3), np.uint8), np.array([1]))}, check_cats),
    ]


MUTATIONS = {"flips": flips, "truncation": truncation,
             "content-flips": regzipped(flips), "content-truncation": regzipped(truncation)}
CASES_BY_FORMAT = [(*f, m) for f in formats() for m in MUTATIONS
                   if f[1].endswith(".gz") or not m.startswith("content-")]


@pytest.mark.parametrize(("fmt", "name", "good", "others", "check", "mutation"),
                         CASES_BY_FORMAT, ids=[f"{c[0]}-{c[-1]}" for c in CASES_BY_FORMAT])
def test_damaged_file_loads_validly_or_raises_data_format_error(
        tmp_path, fmt, name, good, others, check, mutation):
    for other, raw in others.items():
        write(tmp_path, other, raw)
    write(tmp_path, name, good)
    check(tmp_path)  # the original loads
    rng = np.random.default_rng([ord(c) for c in fmt + mutation])
    refused = 0
    for _ in range(CASES):
        write(tmp_path, name, MUTATIONS[mutation](good, rng))
        try:
            check(tmp_path)
        except DataFormatError as exc:
            assert str(tmp_path) in str(exc)  # names a file of the data root
            refused += 1
    assert refused > 0  # the damage was seen
