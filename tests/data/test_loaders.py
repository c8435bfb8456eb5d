"""Every loader on tiny files written in the real formats, and their format errors."""

from __future__ import annotations

import gzip
import io
import pickle
import re
import sys

import h5py
import numpy as np
import pytest
import scipy.io
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.data import (
    DataFileNotFoundError,
    DataFormatError,
    MissingDependencyError,
    load_catvnoncat,
    load_digits,
    load_mnist,
    load_ng_digits,
    load_semeion,
    mnist_20x20_standin,
    one_hot,
    resize_area,
)

from .fakes import cat_h5, idx_gz, ng_labels_gz, semeion_bytes, text_gz, write

SEMEION = "semeion/semeion.data"
MNIST_TEST = ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz")
NG_IMAGES, NG_LABELS, NG_MAT = ("ng_digits_5000/images.gz", "ng_digits_5000/labels.gz",
                                "ng_digits_5000/ex4data1.mat")


# ------------------------------------------------------------------------------ Semeion
@given(pixels=hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.just(256)),
                         elements=st.sampled_from([0.0, 1.0])),
       data=st.data(), line_end=st.sampled_from([" \r\n", "\r\n", "\n", " \n"]))
def test_semeion_round_trip(tmp_path_factory, pixels, data, line_end):
    digits = np.array(data.draw(st.lists(st.integers(0, 9), min_size=len(pixels),
                                         max_size=len(pixels))))
    root = tmp_path_factory.mktemp("root")
    write(root, SEMEION, semeion_bytes(pixels, digits, line_end))
    X, y = load_semeion(root)
    assert X.dtype == np.float64 and X.shape == (len(pixels), 256) and X.flags.c_contiguous
    assert y.dtype == np.int64 and np.array_equal(y, digits)
    assert np.array_equal(X, pixels)
    assert np.array_equal(one_hot(y, 10), np.eye(10, dtype=np.int64)[digits])


def semeion_error(tmp_path, raw: bytes) -> str:
    path = write(tmp_path, SEMEION, raw)
    with pytest.raises(DataFormatError) as info:
        load_semeion(tmp_path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_semeion_format_errors(tmp_path):
    good = semeion_bytes(np.zeros((3, 256)), np.array([1, 2, 3]))
    lines = good.split(b"\r\n")
    short = b"\r\n".join([lines[0], lines[1].rsplit(b" ", 2)[0], lines[2]])
    assert "line 2 has 265 values; expected 266" in semeion_error(tmp_path, short)
    # the C program's end marker some copies carry after the last line
    assert "line 4 has 1 values; expected 266" in semeion_error(tmp_path, good + b"E")
    assert "expected only 0 and 1" in semeion_error(tmp_path, good.replace(b"0.0000", b"0.5000", 1))
    two_labels = b" ".join(lines[0].split(b" ")[:256] + [b"1.0000"] * 2 + [b"0.0000"] * 8)
    assert "2 ones; expected exactly one" in semeion_error(
        tmp_path, two_labels + b"\r\n" + good)
    assert "expected only numbers" in semeion_error(tmp_path, good.replace(b"0.0000", b"zero", 1))
    assert "not ASCII" in semeion_error(tmp_path, b"\xff" + good)
    assert "no data lines" in semeion_error(tmp_path, b"\r\n \r\n")
    assert "NaN" in semeion_error(tmp_path, good.replace(b"0.0000", b"nan", 1))


def test_missing_file_says_where_and_how(tmp_path):
    with pytest.raises(DataFileNotFoundError) as info:
        load_semeion(tmp_path)
    message = str(info.value)
    for part in (str(tmp_path / SEMEION), "archive.ics.uci.edu", "TINYGRAD_EDU_DATA",
                 "download=True"):
        assert part in message


def test_data_root_from_environment(tmp_path, monkeypatch):
    write(tmp_path, SEMEION, semeion_bytes(np.ones((2, 256)), np.array([7, 0])))
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))
    assert load_semeion()[1].tolist() == [7, 0]


# ------------------------------------------------------------------------------- MNIST
def write_mnist(root, images, labels):
    write(root, MNIST_TEST[0], idx_gz(images))
    write(root, MNIST_TEST[1], idx_gz(labels))


def test_mnist_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    write_mnist(tmp_path, images, labels)
    x, y = load_mnist("test", tmp_path)
    assert x.dtype == np.uint8 and np.array_equal(x, images) and x.flags.writeable
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()


@pytest.mark.parametrize(("which", "raw", "message"), [
    (0, idx_gz(np.zeros((2, 28, 28)), magic=2049), "magic number 2049 (0x00000801); expected 2051"),
    (1, idx_gz(np.zeros(2), magic=2051), "magic number 2051"),
    (0, idx_gz(np.zeros((2, 27, 28))), "header sizes (2, 27, 28); expected ('N', 28, 28)"),
    (0, gzip.compress(gzip.decompress(idx_gz(np.zeros((2, 28, 28))))[:-1]),
     "payload of 1567 bytes; expected 1568"),
    (1, gzip.compress(gzip.decompress(idx_gz(np.zeros(2))) + b"\0"), "payload of 3 bytes"),
    (1, gzip.compress(b"\0\0\x08"), "3 bytes of IDX data; expected an IDX header of 8"),
    (0, idx_gz(np.zeros((2, 28, 28)))[:-10], "truncated or corrupt gzip"),
    (1, b"not gzip at all", "magic number 1852797984 (0x6e6f7420); expected 2049"),
    (1, b"\x1f\x8bnot gzip at all", "truncated or corrupt gzip"),
    (1, idx_gz(np.array([3, 10])), "a label is 10; expected digits 0-9"),
], ids=["images-magic", "labels-magic", "dims", "short", "long", "header", "truncated",
        "not-idx", "not-gzip", "label-range"])
def test_mnist_format_errors(tmp_path, which, raw, message):
    write_mnist(tmp_path, np.zeros((2, 28, 28)), np.zeros(2))
    path = write(tmp_path, MNIST_TEST[which], raw)
    with pytest.raises(DataFormatError) as info:
        load_mnist("test", tmp_path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_mnist_count_mismatch_and_bad_split(tmp_path):
    write_mnist(tmp_path, np.zeros((3, 28, 28)), np.zeros(2))
    with pytest.raises(DataFormatError, match=r"holds 3 images but .* holds 2 labels"):
        load_mnist("test", tmp_path)
    with pytest.raises(ValueError, match="split='valid'"):
        load_mnist("valid", tmp_path)
    with pytest.raises(DataFileNotFoundError, match=r"train-labels-idx1-ubyte\.gz"):
        load_mnist("train", tmp_path)


# --------------------------------------------------------------------------- Ng digits
def test_ng_text_files(tmp_path):
    digits = np.array([0, 1, 9, 5])
    pixels = np.random.default_rng(1).normal(size=(4, 400))
    write(tmp_path, NG_LABELS, ng_labels_gz(digits))
    write(tmp_path, NG_IMAGES, text_gz(pixels))
    X, y = load_ng_digits(tmp_path)
    assert X.dtype == np.float64 and np.array_equal(X, pixels)
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 9, 5]


def test_ng_label_columns_are_1_to_9_then_0(tmp_path):
    write(tmp_path, NG_LABELS, text_gz(np.eye(10)))
    write(tmp_path, NG_IMAGES, text_gz(np.zeros((10, 400))))
    assert load_ng_digits(tmp_path)[1].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]


def test_ng_missing_images_says_so(tmp_path):
    write(tmp_path, NG_LABELS, ng_labels_gz(np.arange(10)))
    with pytest.raises(DataFileNotFoundError) as info:
        load_ng_digits(tmp_path)
    message = str(info.value)
    for part in (str(tmp_path / NG_IMAGES), "LivioLanzo", "ex4data1.mat",
                 "mnist_20x20_standin", "format only"):
        assert part in message


@pytest.mark.parametrize(("name", "raw", "message"), [
    (NG_IMAGES, text_gz(np.zeros((3, 400))), "3 images; expected 4, one per line"),
    (NG_IMAGES, text_gz(np.zeros((4, 399))), "line 1 has 399 values; expected 400"),
    (NG_IMAGES, text_gz(np.zeros((4, 400)))[:-4], "truncated or corrupt gzip"),
    (NG_LABELS, text_gz(np.zeros((4, 10))), "0 ones; expected exactly one"),
])
def test_ng_format_errors(tmp_path, name, raw, message):
    write(tmp_path, NG_LABELS, ng_labels_gz(np.array([1, 2, 3, 4])))
    write(tmp_path, NG_IMAGES, text_gz(np.zeros((4, 400))))
    path = write(tmp_path, name, raw)
    with pytest.raises(DataFormatError) as info:
        load_ng_digits(tmp_path)
    assert str(path) in str(info.value) and message in str(info.value)


def savemat_bytes(**variables) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables)
    return buffer.getvalue()


def test_ng_mat_file_is_preferred_and_10_means_0(tmp_path):
    X = np.arange(3 * 400, dtype=np.float64).reshape(3, 400)
    write(tmp_path, NG_MAT, savemat_bytes(X=X, y=np.array([[10], [1], [9]], dtype=np.uint8)))
    write(tmp_path, NG_LABELS, b"not even gzip")  # ignored when the .mat is there
    X2, y = load_ng_digits(tmp_path)
    assert np.array_equal(X2, X) and y.dtype == np.int64 and y.tolist() == [0, 1, 9]


@pytest.mark.parametrize(("raw", "message"), [
    (savemat_bytes(X=np.zeros((2, 400))), "variables ['X']; expected 'X' and 'y'"),
    (savemat_bytes(X=np.zeros((2, 399)), y=np.ones((2, 1))), "X has shape (2, 399)"),
    (savemat_bytes(X=np.zeros((2, 400)), y=np.array([[0], [1]])), "expected 1-10"),
    (b"MATLAB? no", "not a readable MAT file"),
    (pickle.dumps({"X": 1}), "not a readable MAT file"),  # never unpickled, named as foreign
    (savemat_bytes(X=np.array([["a"] * 400], dtype=object), y=np.ones((1, 1))),
     "X is a MATLAB cell array; expected a numeric matrix"),
    (savemat_bytes(X="hello", y=np.ones((1, 1))), "X is a MATLAB char array"),
    (savemat_bytes(X=np.full((1, 400), np.nan), y=np.ones((1, 1))), "NaN or infinite"),
])
def test_ng_mat_errors(tmp_path, raw, message):
    path = write(tmp_path, NG_MAT, raw)
    with pytest.raises(DataFormatError) as info:
        load_ng_digits(tmp_path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_ng_mat_needs_no_scipy(tmp_path, monkeypatch):
    """MAT v5 is read with NumPy (SciPy's reader crashes on some damaged files)."""
    X = np.random.default_rng(6).normal(size=(2, 400))
    for compress in (True, False):
        buffer = io.BytesIO()
        scipy.io.savemat(buffer, {"y": np.array([[3], [10]]), "X": X, "note": "text"},
                         do_compression=compress)
        write(tmp_path, NG_MAT, buffer.getvalue())
        monkeypatch.setitem(sys.modules, "scipy", None)
        monkeypatch.setitem(sys.modules, "scipy.io", None)
        X2, y = load_ng_digits(tmp_path)
        monkeypatch.undo()
        assert np.array_equal(X2, X) and y.tolist() == [3, 0]


def test_ng_mat_damage_that_crashed_scipy_is_a_format_error(tmp_path):
    """Byte 145 (the first variable's array flags) xor 0xff makes scipy.io.loadmat segfault;
    here it sets the complex flag, which is refused."""
    raw = bytearray(savemat_bytes(X=np.zeros((3, 400)), y=np.array([[10], [1], [9]], np.uint8)))
    raw[145] ^= 0xFF
    path = write(tmp_path, NG_MAT, bytes(raw))
    with pytest.raises(DataFormatError, match="X is a MATLAB complex matrix") as info:
        load_ng_digits(tmp_path)
    assert str(path) in str(info.value)


def test_ng_mat_compressed_element_is_capped(tmp_path, monkeypatch):
    from tinygrad_edu.data import matfile

    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"X": np.zeros((5, 400)), "y": np.ones((5, 1))},
                     do_compression=True)
    write(tmp_path, NG_MAT, buffer.getvalue())
    monkeypatch.setattr(matfile, "MAX_INFLATED_BYTES", 10_000)
    with pytest.raises(DataFormatError, match="expands to more than 10000 bytes"):
        load_ng_digits(tmp_path)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda raw: raw[:100], "100 bytes; expected a 128-byte MAT v5 header"),
    (lambda raw: raw[:126] + b"XX" + raw[128:], "endian mark b'XX'"),
    (lambda raw: raw[:124] + b"\x00\x02" + raw[126:], "MAT version 0x0200"),
    (lambda raw: raw[:-8], "declares"),
])
def test_ng_mat_header_errors(tmp_path, edit, message):
    raw = savemat_bytes(X=np.zeros((1, 400)), y=np.ones((1, 1)))
    write(tmp_path, NG_MAT, edit(raw))
    with pytest.raises(DataFormatError, match=re.escape(message)):
        load_ng_digits(tmp_path)


# -------------------------------------------------------------------------- cat/non-cat
def write_cats(root, n_train=3, n_test=2, **overrides):
    rng = np.random.default_rng(2)
    files = {
        "train": cat_h5("train", rng.integers(0, 256, (n_train, 64, 64, 3), dtype=np.uint8),
                        np.arange(n_train) % 2),
        "test": cat_h5("test", rng.integers(0, 256, (n_test, 64, 64, 3), dtype=np.uint8),
                       np.ones(n_test, dtype=np.int64)),
    }
    files.update(overrides)
    for split, raw in files.items():
        write(root, f"catvnoncat/{split}_catvnoncat.h5", raw)


def test_catvnoncat_round_trip(tmp_path):
    write_cats(tmp_path)
    train_x, train_y, test_x, test_y, classes = load_catvnoncat(tmp_path)
    assert train_x.shape == (3, 64, 64, 3) and train_x.dtype == np.uint8
    assert test_x.shape == (2, 64, 64, 3)
    assert train_y.dtype == test_y.dtype == np.int64
    assert train_y.tolist() == [0, 1, 0] and test_y.tolist() == [1, 1]
    assert classes == ("non-cat", "cat")


@pytest.mark.parametrize(("split", "raw", "message"), [
    ("train", cat_h5("test", np.zeros((1, 64, 64, 3), np.uint8), np.zeros(1)),
     "expected ['list_classes', 'train_set_x', 'train_set_y']"),
    ("train", cat_h5("train", np.zeros((1, 32, 32, 3), np.uint8), np.zeros(1)),
     "train_set_x is uint8 (1, 32, 32, 3); expected uint8 (N, 64, 64, 3)"),
    ("test", cat_h5("test", np.zeros((2, 64, 64, 3), np.float32), np.zeros(2)),
     "test_set_x is float32"),
    ("test", cat_h5("test", np.zeros((2, 64, 64, 3), np.uint8), np.array([0, 2])),
     "expected (2,) values 0 or 1"),
    ("test", cat_h5("test", np.zeros((1, 64, 64, 3), np.uint8), np.zeros(1),
                    classes=(b"dog", b"cat")), "lists classes ('dog', 'cat')"),
    ("test", b"\x89HDF not really", "not a readable HDF5 file"),
])
def test_catvnoncat_format_errors(tmp_path, split, raw, message):
    write_cats(tmp_path, **{split: raw})
    with pytest.raises(DataFormatError) as info:
        load_catvnoncat(tmp_path)
    assert f"{split}_catvnoncat.h5" in str(info.value) and message in str(info.value)


def _h5_bytes(build) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        build(f)
    return buffer.getvalue()


def test_datasets_that_are_groups_or_non_ascii_names_are_format_errors(tmp_path):
    def group(f):
        f.create_group("train_set_x")
        f["train_set_y"] = np.zeros(1)
        f["list_classes"] = np.array([b"non-cat", b"cat"])

    def non_ascii(f):
        f["train_set_x"] = np.zeros((1, 64, 64, 3), np.uint8)
        f["train_set_y"] = np.zeros(1)
        f["list_classes"] = np.array([b"\xff", b"cat"])

    for build, message in ((group, "train_set_x is an HDF5 Group; expected a dataset"),
                           (non_ascii, "are not ASCII names")):
        write_cats(tmp_path, train=_h5_bytes(build))
        with pytest.raises(DataFormatError, match=message):
            load_catvnoncat(tmp_path)


def test_datasets_declaring_more_than_the_file_could_hold_are_not_read(tmp_path):
    """A chunked dataset with no chunks written: 12 GB declared in a few kB of file."""
    def huge(f):
        f.create_dataset("train_set_x", shape=(10**6, 64, 64, 3), dtype=np.uint8,
                         chunks=(1, 64, 64, 3))
        f["train_set_y"] = np.zeros(10**6, np.uint8)
        f["list_classes"] = np.array([b"non-cat", b"cat"])

    write_cats(tmp_path, train=_h5_bytes(huge))
    with pytest.raises(DataFormatError, match=r"train_set_x declares \(1000000, 64, 64, 3\), "
                                              r"more than 1024 times the file's"):
        load_catvnoncat(tmp_path)


def test_list_classes_must_be_two_strings(tmp_path):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f["train_set_x"] = np.zeros((1, 64, 64, 3), np.uint8)
        f["train_set_y"] = np.zeros(1)
        f["list_classes"] = np.arange(3)
    write_cats(tmp_path, train=buffer.getvalue())
    with pytest.raises(DataFormatError, match="list_classes is int64 \\(3,\\)"):
        load_catvnoncat(tmp_path)


# ------------------------------------------------------------------- optional packages
def test_load_digits():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and X.min() == 0 and X.max() == 16
    assert y.shape == (1797,) and y.dtype == np.int64 and set(y.tolist()) == set(range(10))


@pytest.mark.parametrize(("module", "package", "loader"), [
    ("sklearn.datasets", "scikit-learn", "load_digits"),
    ("h5py", "h5py", "load_catvnoncat"),
])
def test_missing_optional_dependency(tmp_path, monkeypatch, module, package, loader):
    write_cats(tmp_path)
    calls = {"load_digits": load_digits,
             "load_catvnoncat": lambda: load_catvnoncat(tmp_path)}
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(MissingDependencyError, match=f"pip install {package}"):
        calls[loader]()


# ------------------------------------------------------------------ resizing, stand-in
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 30),
                                        st.integers(1, 30)),
                  elements=st.floats(0, 255)),
       st.integers(1, 20), st.integers(1, 20))
def test_resize_area_preserves_the_mean(images, height, width):
    out = resize_area(images, height, width)
    assert out.shape == (len(images), height, width)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), images.mean(axis=(1, 2)), atol=1e-9)
    assert out.min() >= images.min() - 1e-9 and out.max() <= images.max() + 1e-9


def test_resize_area_cases():
    image = np.arange(16.0).reshape(4, 4)
    assert np.allclose(resize_area(image, 4, 4), image)
    assert np.allclose(resize_area(image, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    assert np.allclose(resize_area(np.full((28, 28), 7.0), 20, 20), 7.0)
    # 28 -> 20: output pixel 0 covers input 0 and 0.4 of input 1 in each direction
    one = np.zeros((28, 28))
    one[0, 1] = 1.0
    assert np.isclose(resize_area(one, 20, 20)[0, 0], (1 / 1.4) * (0.4 / 1.4))


def test_mnist_20x20_standin():
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(10), 4)[rng.permutation(40)]
    images = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    X, y = mnist_20x20_standin(images, labels, per_class=3, seed=5)
    assert X.shape == (30, 400) and X.dtype == np.float64 and 0 <= X.min() <= X.max() <= 1
    assert y.dtype == np.int64 and y.tolist() == np.repeat(np.arange(10), 3).tolist()
    picked = [np.flatnonzero((resize_area(images, 20, 20) / 255 == x.reshape(20, 20, order="F"))
                             .all(axis=(1, 2))) for x in X]
    assert all(len(p) == 1 and labels[p[0]] == d for p, d in zip(picked, y, strict=True))
    again = mnist_20x20_standin(images, labels, per_class=3, seed=5)
    assert np.array_equal(again[0], X)
    assert not np.array_equal(mnist_20x20_standin(images, labels, 3, seed=6)[0], X)
    with pytest.raises(ValueError, match="4 images of digit 0; expected at least per_class=5"):
        mnist_20x20_standin(images, labels, per_class=5)
    with pytest.raises(ValueError, match=r"images \(40, 28, 28\), labels \(39,\)"):
        mnist_20x20_standin(images, labels[:-1])
