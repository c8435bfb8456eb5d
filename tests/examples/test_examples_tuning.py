"""How the ``--improved`` recipes were tuned: ``--validate`` (a validation split carved from
the training data, the test set untouched) and ``--augment`` (one-pixel shifts)."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import data_flags

TUNED = ["semeion_000", "digits_001", "mnist_002", "catvnoncat_004"]


def test_shifted_copies_move_each_image_one_pixel_and_blank_the_edge(example):
    common = example("_common")
    x = np.arange(1, 19, dtype=np.float32).reshape(2, 9)  # two 3x3 images, no zero pixel
    moved, labels = common.shifted_copies(x, np.array([3, 7]), (3, 3))
    assert moved.shape == (10, 9) and moved.dtype == np.float32
    assert labels.tolist() == [3, 7] * 5
    first = x[0].reshape(3, 3)
    down, up, right, left = (moved[k].reshape(3, 3) for k in (2, 4, 6, 8))
    np.testing.assert_array_equal(moved[:2], x)
    np.testing.assert_array_equal(down, [[0, 0, 0], first[0], first[1]])
    np.testing.assert_array_equal(up, [first[1], first[2], [0, 0, 0]])
    np.testing.assert_array_equal(right, np.c_[np.zeros(3), first[:, :2]])
    np.testing.assert_array_equal(left, np.c_[first[:, 1:], np.zeros(3)])


def test_validation_split_is_a_seeded_partition_of_the_training_rows(example, capsys):
    common = example("_common")
    x, y = np.arange(50.0)[:, None], np.arange(50)
    _, yf, xv, yv = common.validation_split(3, x, y)
    assert len(yv) == 10 and len(yf) == 40
    assert sorted([*yf, *yv]) == list(range(50))          # every row once, none twice
    np.testing.assert_array_equal(xv[:, 0], yv)            # rows keep their labels
    assert common.validation_split(3, x, y)[3].tolist() == yv.tolist()  # seeded
    assert common.validation_split(4, x, y)[3].tolist() != yv.tolist()
    assert "validation split" in capsys.readouterr().out


@pytest.mark.parametrize("name", TUNED)
def test_validate_scores_on_training_rows_held_out(example, name, tmp_path, capsys):
    """With --validate the 'test' figures come from rows the article trains on, and those
    rows are not trained on: the reported test-set size is the held-out share."""
    module = example(name)
    full = module.main(["--tiny", "--quiet", "--no-plots", "--out", str(tmp_path),
                        *data_flags(name)])
    capsys.readouterr()
    val = module.main(["--tiny", "--quiet", "--no-plots", "--validate", "--out",
                       str(tmp_path), *data_flags(name)])
    out = capsys.readouterr().out
    if name == "mnist_002":  # the article's own validation split, no longer trained on
        assert "epochs on train\n" in out and "train + val" not in out
    else:
        assert "held out as the validation split" in out
    assert any(val[k] != full[k] for k in ("test_accuracy", "train_accuracy", "final_cost"))


@pytest.mark.parametrize("name", ["semeion_000", "digits_001", "mnist_002"])
def test_improved_trains_on_shifted_copies(example, name):
    module = example(name)
    assert module.parse_args(["--improved"]).augment
    assert not module.parse_args([]).augment
