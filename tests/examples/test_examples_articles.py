"""The articles' mistakes that the examples expose, checked (tiny runs, seconds each)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

from .conftest import data_flags, real_data_available


# ----------------------------------------------------------------------------- 000
def test_000_the_texts_gradient_rule_is_not_the_gradient_of_its_cost(example):
    m = example("semeion_000")
    rng = np.random.default_rng(0)
    model = m.build_model((256, 30, 20, 10), "sigmoid", "uniform", rng)
    x = tg.Tensor(rng.integers(0, 2, (50, 256)).astype(np.float32))
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 50)]
    worst = m.check_the_text_gradient_rule(model, x, Y, 0.1)
    assert worst["code"] < 1e-6          # autograd == the code's rule
    assert worst["text"] > 1e-4          # != the text's rule (lambda/m * theta entries)
    assert m.check_the_text_gradient_rule(model, x, Y, 0.0)["text"] < 1e-6  # lambda = 0


def test_000_reports_exact_match_and_argmax(example, tmp_path, capsys):
    result = example("semeion_000").main(["--tiny", "--quiet", "--no-plots", "--out",
                                          str(tmp_path), *data_flags("semeion_000")])
    # all ten outputs right implies the largest one is the label: exact-match <= argmax
    assert result["test_exact_match"] <= result["test_accuracy"]
    out = capsys.readouterr().out
    assert "exact-match" in out and "argmax" in out and "first 5 test images" in out


def test_000_article_helper_answers_zero_when_no_output_fires(example):
    first = example("semeion_000").first_output_over_half
    assert first(np.array([[0.1] * 10, [0.2, 0.7, 0.9] + [0.0] * 7])).tolist() == [0, 1]


# ----------------------------------------------------------------------------- 002
def test_002_says_which_mnist_pool_and_counts_dead_units(example, tmp_path, capsys):
    result = example("mnist_002").main(["--tiny", "--quiet", "--no-plots", "--out",
                                        str(tmp_path), *data_flags("mnist_002")])
    out = capsys.readouterr().out
    assert "drawn from the" in out
    if real_data_available("mnist_002"):
        assert "MNIST" in result["pool"]
    assert "dead output units" in out
    for key in ("dead_output_units", "dead_for_own_digit", "never_predicted"):
        assert 0 <= result[key] <= 10
    assert result["dead_output_units"] <= result["dead_for_own_digit"]


def test_002_improved_drops_the_output_relu(example):
    from tinygrad_edu import nn
    m = example("mnist_002")
    rng = np.random.default_rng(0)
    article = m.build_model((784, 32, 10), m.parse_args([]), rng)
    improved = m.build_model((784, 32, 10), m.parse_args(["--improved"]), rng)
    assert isinstance(list(article)[-1], nn.ReLU)
    assert isinstance(list(improved)[-1], nn.Linear)


# ----------------------------------------------------------------------------- 003
def test_003_the_articles_jac_is_not_the_gradient_of_its_fun(example):
    m = example("ng_003")
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 400)), rng.integers(0, 10, 60)
    assert m.show_the_articles_jac_mismatch(X, y, 1.0, seed=0) > 1e-4  # bias rows
    assert m.show_the_articles_jac_mismatch(X, y, 3.0, seed=0) > 1e-3  # and weights
    assert m.show_the_articles_jac_mismatch(X, y, 0.0, seed=0) == 0.0


@pytest.mark.parametrize("method", ["TNC", "L-BFGS-B", "Newton-CG"])
def test_003_estimator_interface(example, method):
    m = example("ng_003")
    rng = np.random.default_rng(1)
    X = rng.random((80, 400))
    y = rng.integers(0, 3, 80) * 3  # classes 0, 3, 6
    X[np.arange(80), y] += 3.0      # learnable
    clf = m.NeuralNetworkClassifier(hidden_layers=(5,), max_iter=10, method=method,
                                    init="xavier", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. SciPy's "Unknown solver options: maxiter"
        assert clf.fit(X, y) is clf
    assert clf.predict_proba(X).shape == (80, 3)
    assert set(clf.predict(X).tolist()) <= {0, 3, 6}
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert 0.0 <= clf.score(X, y) <= 1.0
    one_hot = np.eye(3)[y // 3]
    assert clf.fit(X, one_hot).predict(X).shape == (80,)   # the article passes one-hot Y


def test_003_names_the_stand_in(example, tmp_path, capsys):
    if not real_data_available("ng_003"):
        pytest.skip("needs the MNIST test images under TINYGRAD_EDU_DATA")
    result = example("ng_003").main(["--tiny", "--quiet", "--no-plots", "--out",
                                     str(tmp_path)])
    if "STAND-IN" in result["data"]:
        assert "STAND-IN" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 004
def test_004_article_init_stalls_at_one_class_he_init_learns(example, tmp_path, capsys):
    m = example("catvnoncat_004")
    flags = ["--tiny", "--quiet", "--no-plots", "--epochs", "40", "--out", str(tmp_path),
             *data_flags("catvnoncat_004")]
    article = m.main(flags)
    out = capsys.readouterr().out
    costs = article["history"]["train cost"]
    assert abs(costs[0] - math.log(2)) < 1e-3            # logit ~ 0: sigmoid ~ 1/2
    assert costs[0] - costs[-1] < 0.02                    # barely moves
    assert article["predicted_cat_share"] in (0.0, 1.0)   # one class for every image
    assert "pre-activation std" in out
    improved = m.main([*flags, "--improved"])
    assert improved["history"]["train cost"][-1] < costs[-1] - 0.05


def test_002_falls_back_to_the_test_images_alike_with_or_without_download(
        example, tmp_path, capsys, monkeypatch):
    from tests.data.fakes import idx_gz, write

    rng = np.random.default_rng(0)
    write(tmp_path, "mnist/t10k-images-idx3-ubyte.gz",
          idx_gz(rng.integers(0, 256, (700, 28, 28), dtype=np.uint8)))
    write(tmp_path, "mnist/t10k-labels-idx1-ubyte.gz",
          idx_gz((np.arange(700) % 10).astype(np.uint8)))
    monkeypatch.setenv("TINYGRAD_EDU_MIRROR", (tmp_path / "no-such-mirror").as_uri())
    results = []
    for extra in ([], ["--download"]):  # the download of the training files fails
        results.append(example("mnist_002").main(
            ["--tiny", "--quiet", "--no-plots", "--data-dir", str(tmp_path), *extra]))
        assert "drawing from the test images only" in capsys.readouterr().out
    assert results[0]["pool"] == results[1]["pool"] == \
        "MNIST test images (700; the training images are missing)"
    assert results[0]["test_accuracy"] == results[1]["test_accuracy"]


def test_002_draws_from_training_and_test_images_together(example, tmp_path, monkeypatch):
    from tests.data.fakes import idx_gz, write

    rng = np.random.default_rng(0)
    for prefix, n in (("train", 500), ("t10k", 300)):
        write(tmp_path, f"mnist/{prefix}-images-idx3-ubyte.gz",
              idx_gz(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)))
        write(tmp_path, f"mnist/{prefix}-labels-idx1-ubyte.gz",
              idx_gz((np.arange(n) % 10).astype(np.uint8)))
    m = example("mnist_002")
    args = m.parse_args(["--tiny", "--data-dir", str(tmp_path)])
    images, labels, pool = m.load_pool(args)
    assert len(images) == len(labels) == 800 and "training and test" in pool
    splits, _ = m.load_splits(m.parse_args(["--tiny", "--full", "--data-dir", str(tmp_path)]),
                              rng)
    assert set(splits) == {"train", "test"}
    assert len(splits["train"][1]) == 500 and len(splits["test"][1]) == 200  # --tiny: 200


def test_004_trains_on_a_folder_of_your_own_pictures(example, tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for name, colour in (("cat", (200, 120, 40)), ("non-cat", (40, 120, 200))):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for i in range(12):  # different sizes: each is resized to 64x64
            pixels = np.clip(np.array(colour) + rng.normal(0, 30, (40 + i, 50, 3)), 0, 255)
            Image.fromarray(pixels.astype(np.uint8)).save(tmp_path / "pics" / name / f"{i}.png")
    result = example("catvnoncat_004").main(
        ["--tiny", "--quiet", "--no-plots", "--improved", "--images", str(tmp_path / "pics")])
    out = capsys.readouterr().out
    assert "data: 19 train" in out and "/ 5 test" in out and "non-cat" in out
    assert result["train_accuracy"] == 1.0  # two colours: trivially separable


def test_004_needs_exactly_two_class_folders(example, tmp_path):
    from tinygrad_edu.data import DataFormatError

    Image = pytest.importorskip("PIL.Image")
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (8, 8)).save(tmp_path / name / "x.png")
    with pytest.raises(DataFormatError, match="needs exactly 2"):
        example("catvnoncat_004").main(["--tiny", "--quiet", "--no-plots", "--images",
                                        str(tmp_path)])


def test_004_logistic_regression_is_one_layer_and_trains_with_the_article_init(
        example, tmp_path, capsys):
    result = example("catvnoncat_004").main(["--tiny", "--quiet", "--no-plots", "--model",
                                             "logistic", *data_flags("catvnoncat_004")])
    out = capsys.readouterr().out
    assert "model: 12288-1, logistic regression" in out
    costs = result["history"]["train cost"]
    assert costs[-1] < costs[0] - 0.01  # the deep network's randn * 0.01 barely moves


def test_002_cosine_schedule_anneals_the_step_to_zero(example, tmp_path):
    m = example("mnist_002")
    flags = ["--tiny", "--quiet", "--no-plots", *data_flags("mnist_002")]
    assert m.main([*flags, "--lr", "0.03"])["final_lr"] == 0.03
    assert m.main([*flags, "--lr", "0.03", "--schedule", "cosine"])["final_lr"] < 1e-9
