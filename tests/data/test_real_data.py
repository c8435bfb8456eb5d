"""The real files (skipped when the datasets folder is absent): checksums, shapes, counts."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tinygrad_edu.data import (
    REGISTRY,
    DataFileNotFoundError,
    load_catvnoncat,
    load_mnist,
    load_ng_digits,
    load_semeion,
    mnist_20x20_standin,
    verify_file,
)
from tinygrad_edu.data.ng_digits import NG_LABELS, _parse_labels
from tinygrad_edu.data.sources import read_data_file

# the files the datasets README lists as present, with its sha256 sums
PRESENT = {
    "semeion/semeion.data": "f43228ae3da5ea6a3c95069d53450b86166770e3b719dcc333182128fe08d4b1",
    "mnist/t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "mnist/train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "ng_digits_5000/labels.gz":
        "66d48aaac01da28b857a9e0934694a35fc5984aca9718e2ec160699bbba9e7ab",
    "catvnoncat/train_catvnoncat.h5":
        "fbe56ab67c3ae28d564e3a644189117976d6b31af0a3ce9bb17dbf22908af242",
    "catvnoncat/test_catvnoncat.h5":
        "6a9d39ce52fa85953c5834695b8534a30ed8cfd54971fb2f080b5a24d002b951",
}


@pytest.mark.parametrize("name", sorted(PRESENT))
def test_checksums(real_data, name):
    assert REGISTRY[name].sha256 == PRESENT[name]
    path = verify_file(name, real_data)  # size, sha256 and md5 from the registry
    assert hashlib.sha256(path.read_bytes()).hexdigest() == PRESENT[name]


def test_semeion(real_data):
    X, y = load_semeion(real_data)
    assert X.shape == (1593, 256) and set(np.unique(X)) == {0.0, 1.0}
    assert np.bincount(y).tolist() == [161, 162, 159, 159, 161, 159, 161, 158, 155, 158]


def test_mnist(real_data):
    images, labels = load_mnist("test", real_data)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 255
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974,
                                            1009]
    X, y = mnist_20x20_standin(images, labels, seed=0)
    assert X.shape == (5000, 400) and np.bincount(y).tolist() == [500] * 10


def test_mnist_train_images_verify_by_content_and_load(real_data):
    """The shared copy is the original content re-gzipped: its .gz checksum differs from
    the published one, its decompressed content's does not."""
    name = "mnist/train-images-idx3-ubyte.gz"
    path = verify_file(name, real_data)
    assert hashlib.sha256(path.read_bytes()).hexdigest() != REGISTRY[name].sha256
    images, labels = load_mnist("train", real_data)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 255
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                            5851, 5949]


def test_ng_labels_and_missing_images(real_data):
    y = read_data_file(NG_LABELS, _parse_labels, data_dir=real_data)
    assert np.array_equal(y, np.repeat(np.arange(10), 500))  # blocks of 500, digit 0 first
    with pytest.raises(DataFileNotFoundError, match=r"images\.gz not found"):
        load_ng_digits(real_data)


def test_catvnoncat(real_data):
    train_x, train_y, test_x, test_y, classes = load_catvnoncat(real_data)
    assert train_x.shape == (209, 64, 64, 3) and test_x.shape == (50, 64, 64, 3)
    assert np.bincount(train_y).tolist() == [137, 72]
    assert np.bincount(test_y).tolist() == [17, 33]
    assert classes == ("non-cat", "cat")
