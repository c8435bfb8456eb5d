"""Boilerplate shared by the five article examples (not part of the library).

What lives here is what every example needs and no reader needs to study: the command-line
flags they share, seeding, the ``--seeds N`` loop with its mean ± std summary, loading
real data or (only with ``--synthetic``) generated data of the same shape, accuracy, and
the three standard pictures, and ``--no-compile`` with `compiled` (the training step
through ``tg.compile``, or eager).  The networks, losses, training loops and evaluations are in
the example files themselves, top to bottom.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.tools import plots
from tinygrad_edu.tools.progress import progress

__all__ = [
    "accuracy",
    "add_exercise_flags",
    "add_validate_flag",
    "augment",
    "base_parser",
    "compiled",
    "extras",
    "int_list",
    "limit_blas_threads",
    "linear_layers",
    "load_or_synthesize",
    "logits_of",
    "mean_std",
    "mlp",
    "out_dir",
    "plot_title",
    "positive_float",
    "positive_int",
    "progress",
    "run_seeds",
    "save_conv_plots",
    "save_standard_plots",
    "shifted_copies",
    "synthetic_images",
    "validation_split",
    "writable_dir",
]


# ------------------------------------------------------------------------ command line
def int_list(text: str) -> tuple[int, ...]:
    """argparse type for layer sizes: "200,100" -> (200, 100); "" -> () (no hidden layer)."""
    try:
        return tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 200,100, got {text!r}") from None


def positive_float(text: str) -> float:
    """argparse type: a number > 0 (a learning rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def writable_dir(text: str) -> str:
    """argparse type: a folder that exists and is writable, or can be created (it is
    created only when something is written into it)."""
    path = Path(text).absolute()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a folder")
    parent = next(p for p in (path, *path.parents) if p.exists())
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: cannot write into {parent}")
    return text


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show a flag's default once: not where the help already states it, nor for on/off
    switches and unset options."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action) or text


def base_parser(name: str, doc: str | None, *, epochs: int, lr: float | None, seed: int = 1,
                epochs_help: str = "training epochs", threads: int = 1,
                compiles: bool = True) -> argparse.ArgumentParser:
    """The flags every example has (``--lr`` unless ``lr`` is None: an optimiser that
    chooses its own steps; ``--no-compile`` when the example ``compiles`` its training
    step, see `compiled`); each example adds its article's exercises.  ``threads`` is the
    example's default number of BLAS threads: the fastest for its sizes on the project's
    2-core machine (its matrices are small, and BLAS threads fighting over them made the
    examples 3-18x slower than with one)."""
    p = argparse.ArgumentParser(
        prog=f"{name}.py", description=(doc or "").split("\n\n")[0],
        formatter_class=_HelpFormatter)
    p.add_argument("--epochs", type=positive_int, default=epochs, help=epochs_help)
    if lr is not None:
        p.add_argument("--lr", type=positive_float, default=lr, help="learning rate")
    p.add_argument("--seed", type=int, default=seed,
                   help="seed of the data split, the initialisation and the shuffling")
    p.add_argument("--seeds", type=positive_int, default=1,
                   help="run seeds seed, seed+1, ... and print mean ± std of the metrics")
    p.add_argument("--data-dir", default=None,
                   help="data root (default: $TINYGRAD_EDU_DATA, else the cache folder)")
    p.add_argument("--download", action="store_true",
                   help="fetch missing data files (verified) into the data root")
    p.add_argument("--out", type=writable_dir, default=None,
                   help=f"folder for the PNG plots (default: runs/{name}/article, or "
                        f"runs/{name}/improved with --improved; created only for plots)")
    p.add_argument("--improved", action="store_true",
                   help="fix the article's weaknesses (see the module docstring)")
    p.add_argument("--tiny", action="store_true",
                   help="a few seconds' run on a small slice of the data (for tests)")
    p.add_argument("--synthetic", action="store_true",
                   help="use generated data of the right shape instead of the real files "
                        "(tests only: the numbers mean nothing)")
    p.add_argument("--threads", type=positive_int, default=threads,
                   help="BLAS threads (NumPy's and SciPy's), set with threadpoolctl")
    if compiles:
        p.add_argument("--no-compile", action="store_true",
                       help="run the training step eagerly instead of through tg.compile "
                            "(the same numbers, bit for bit; compare the seconds)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(example=name)
    return p


def add_exercise_flags(p: argparse.ArgumentParser, *, activation: str | None = None,
                       dropout: bool = False, l2: bool = False,
                       augment: bool = False) -> None:
    """The articles' common exercises: ``--activation`` (when the example lets it change),
    ``--momentum``/``--nesterov`` (SGD), with ``dropout`` ``--dropout``, with ``l2``
    ``--l2`` (the example adds ``nn.utils.l2_penalty`` to its loss) and with ``augment``
    ``--augment`` (the example trains on `shifted_copies`)."""
    if activation is not None:
        p.add_argument("--activation", choices=sorted(ACTIVATIONS), default=activation,
                       help="hidden-layer activation")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum")
    p.add_argument("--nesterov", action="store_true",
                   help="Nesterov momentum (with --momentum > 0)")
    if dropout:
        p.add_argument("--dropout", type=float, default=0.0,
                       help="dropout probability after each hidden layer")
    if l2:
        p.add_argument("--l2", type=float, default=0.0,
                       help="L2 penalty lambda/(2m) * sum(weights^2), biases excluded")
    if augment:
        p.add_argument("--augment", action="store_true",
                       help="train on every image and its 4 one-pixel shifts (5x the images)")


def add_validate_flag(p: argparse.ArgumentParser) -> None:
    """``--validate``: score on a validation split carved from the training data instead of
    the test set -- how the ``--improved`` settings were chosen (see `validation_split`)."""
    p.add_argument("--validate", action="store_true",
                   help="hold out 20%% of the training data and report on it in place of "
                        "the test set (how --improved was tuned; the test set is untouched)")


def extras(args: argparse.Namespace) -> str:
    """", L2 lambda=0.1, momentum 0.9 (Nesterov), dropout 0.2, ...": the optional settings that
    are on in this run, for its header ("" when none is)."""
    parts = []
    if getattr(args, "l2", 0):
        parts.append(f"L2 lambda={args.l2}")
    if getattr(args, "momentum", 0):
        parts.append(f"momentum {args.momentum}" + (" (Nesterov)" if args.nesterov else ""))
    if getattr(args, "dropout", 0):
        parts.append(f"dropout {args.dropout}")
    if getattr(args, "augment", False):
        parts.append("each training image with its 4 one-pixel shifts")
    return "".join(", " + p for p in parts)


def compiled(step: Callable[..., Any], args: argparse.Namespace) -> Callable[..., Any]:
    """The training step ``step`` (forward, loss, zero_grad, backward, optimizer step)
    through ``tg.compile``, or ``step`` itself with ``--no-compile``; prints which.

    Compiled, the first call of each batch shape runs eagerly, the second traces the step
    into a NumPy program, the third checks the program bit for bit against an eager call,
    and later calls run the program only: the same numbers as eager, with much less Python
    per operation.  Pass the step Tensors (a batch's shape selects its program), not
    ndarrays.
    """
    if args.no_compile:
        print("training step: eager (--no-compile)")
        return step
    print("training step: compiled with tg.compile (--no-compile to run it eagerly)")
    return tg.compile(step)


# ------------------------------------------------------------------------ model
ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


def mlp(sizes: Sequence[int], activation: str, *, dropout: float = 0.0,
        output_activation: str | None = None) -> Any:
    """nn.Sequential: (Linear -> activation [-> Dropout]) per hidden layer, then Linear
    [-> output_activation].  ``sizes`` = (inputs, *hidden, outputs); activations by name
    ("sigmoid", "tanh", "relu").  Initialisation is left to the caller (each article has
    its own)."""
    def act(name: str) -> Any:
        return getattr(nn, ACTIVATIONS[name])()

    layers: list[Any] = []
    for n_in, n_out in pairwise(sizes[:-1]):
        layers += [nn.Linear(n_in, n_out), act(activation)]
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    if output_activation:
        layers.append(act(output_activation))
    return nn.Sequential(*layers)


def linear_layers(model: Any) -> list[Any]:
    """The nn.Linear layers of a model, in order."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


# ------------------------------------------------------------------------ data
def synthetic_images(rng: np.random.Generator, n: int, shape: Sequence[int], n_classes: int,
                     *, binary: bool = False, scale: float = 1.0,
                     dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Generated stand-in data: one random prototype image per class plus noise.

    Returns (images of ``(n, *shape)``, labels 0..n_classes-1 of ``(n,)``); values in
    [0, 1] (exactly 0/1 when ``binary``) times ``scale``.  Learnable, so a loss falls on
    it; meaningless as a benchmark.
    """
    d = int(np.prod(shape))
    prototypes = rng.random((n_classes, d))
    labels = rng.permutation(np.arange(n) % n_classes)
    x = np.clip(prototypes[labels] + 0.35 * rng.standard_normal((n, d)), 0.0, 1.0)
    if binary:
        x = (x > 0.5).astype(float)
    return (x * scale).astype(dtype).reshape((n, *shape)), labels.astype(np.int64)


def load_or_synthesize(args: argparse.Namespace, load_real: Callable[[], Any],
                       synthesize: Callable[[], Any], what: str) -> Any:
    """``load_real()``, or -- only with ``--synthetic`` -- ``synthesize()``, saying so.

    Without ``--synthetic`` a missing file raises the loader's own error (which says where
    it looked and how to get the data): an example never silently trains on fake data.
    """
    args.data_label = f"SYNTHETIC stand-in for {what}" if args.synthetic else what
    if args.synthetic:
        print(f"data: SYNTHETIC stand-in for {what} (generated, right shape; --synthetic was "
              f"given: the numbers below mean nothing)")
        return synthesize()
    return load_real()


def validation_split(seed: int, x: np.ndarray, y: np.ndarray, share: float = 0.2
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_fit, y_fit, x_val, y_val): a seeded ``share`` of the training rows held out.

    Hyper-parameters are chosen by the score on this split, never on the test set: a test
    score that helped choose the settings no longer measures unseen data.  Its own
    generator (from ``seed``), so the run's other random draws are unchanged.
    """
    order = np.random.default_rng([seed, 2024]).permutation(len(x))
    n_val = max(1, round(share * len(x)))
    fit, val = order[n_val:], order[:n_val]
    print(f"--validate: {len(fit)} training rows, {len(val)} held out as the validation "
          f"split; every 'test' figure below is on the validation split")
    return x[fit], y[fit], x[val], y[val]


def shifted_copies(x: np.ndarray, y: np.ndarray, image_shape: tuple[int, int]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Data augmentation: the N images (rows of ``x``, each ``image_shape`` when reshaped)
    followed by the same images shifted one pixel down, up, right and left (blank pixels
    shifted in), with their labels: (5N rows, 5N labels).  A digit moved by a pixel is the
    same digit, so the network learns not to depend on exact pixel positions."""
    images = x.reshape(len(x), *image_shape)
    copies = [images]
    for axis in (1, 2):
        for step in (1, -1):
            moved = np.roll(images, step, axis=axis)
            edge = [slice(None)] * 3
            edge[axis] = slice(0, 1) if step == 1 else slice(-1, None)
            moved[tuple(edge)] = 0  # what np.roll wrapped around
            copies.append(moved)
    return np.concatenate(copies).reshape(5 * len(x), *x.shape[1:]), np.tile(y, 5)


def augment(args: argparse.Namespace, x: np.ndarray, y: np.ndarray,
            image_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``--augment``: `shifted_copies` of the training images.  Not on the ``--synthetic``
    stand-in, whose random prototypes are no pictures that a one-pixel shift keeps (it
    says so): shifted, they are just harder noise."""
    if not args.augment:
        return x, y
    if args.synthetic:
        print("augment: skipped on the synthetic stand-in (a shift does not keep its class)")
        return x, y
    return shifted_copies(x, y, image_shape)


# ------------------------------------------------------------------------ evaluation
def logits_of(model: Callable[[tg.Tensor], tg.Tensor], x: np.ndarray,
              batch_size: int = 2048) -> np.ndarray:
    """The model's outputs for the rows of ``x`` as one ndarray (no graph recorded,
    evaluation mode: dropout off)."""
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    with tg.no_grad():
        out = np.concatenate([model(tg.Tensor(x[i:i + batch_size])).data
                              for i in range(0, len(x), batch_size)])
    if was_training:
        model.train()
    return out


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of equal entries."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def mean_std(values: Sequence[float], fmt: str = ".3f") -> str:
    """'m ± s' of the values (population std; 'm' alone for one value)."""
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return format(float(v[0]), fmt)
    return f"{format(float(v.mean()), fmt)} ± {format(float(v.std()), fmt)}"


# ------------------------------------------------------------------------ pictures
def save_standard_plots(args: argparse.Namespace, name: str, history: dict[str, list[float]],
                        *,
                        images: np.ndarray, predicted: np.ndarray, true: np.ndarray,
                        image_shape: tuple[int, ...] | None = None,
                        class_names: Sequence[str] | None = None, xlabel: str = "epoch",
                        cost_ref: tuple[float, str] | None = None,
                        acc_ref: tuple[float, str] | None = None) -> list[Path]:
    """cost.png, accuracy.png and predictions.png in ``--out`` (created here, so a run
    without plots leaves no folder behind); every title says what made it (`plot_title`).

    ``history``: "cost" (and optionally "test cost") and any "... accuracy" series.
    ``cost_ref`` / ``acc_ref``: a (value, label) dashed reference line.
    """
    out = out_dir(args)
    out.mkdir(parents=True, exist_ok=True)
    name = plot_title(name, args)
    costs = {k: v for k, v in history.items() if "cost" in k}
    accs = {k: v for k, v in history.items() if "accuracy" in k}
    paths = [
        plots.save_curves(out / "cost.png", costs, title=f"{name}: cost", xlabel=xlabel,
                          ylabel="cost", hline=cost_ref[0] if cost_ref else None,
                          hline_label=cost_ref[1] if cost_ref else None),
        plots.save_curves(out / "accuracy.png", accs, title=f"{name}: accuracy",
                          xlabel=xlabel, ylabel="accuracy",
                          hline=acc_ref[0] if acc_ref else None,
                          hline_label=acc_ref[1] if acc_ref else None),
        plots.save_image_grid(out / "predictions.png", images, predicted, true,
                              image_shape=image_shape, class_names=class_names,
                              title=f"{name}: test images"),
    ]
    print("plots: " + ", ".join(str(p) for p in paths))
    return paths


def save_conv_plots(args: argparse.Namespace, name: str, weight: Any, predicted: np.ndarray,
                    true: np.ndarray, class_names: Sequence[str] | None = None) -> list[Path]:
    """filters.png (a convolution's kernels, ``weight`` (O, C, kH, kW)) and confusion.png
    (test predictions against the truth) in ``--out``, for the CNN examples."""
    out, title = out_dir(args), plot_title(name, args)
    paths = [plots.save_filters(out / "filters.png", weight,
                                title=f"{title}: first-layer filters"),
             plots.save_confusion(out / "confusion.png", predicted, true,
                                  class_names=class_names, title=f"{title}: test confusion")]
    print("plots: " + ", ".join(str(p) for p in paths))
    return paths


# ------------------------------------------------------------------------ threads
def limit_blas_threads(n: int) -> str:
    """Limit every BLAS in the process to ``n`` threads; returns the header line saying so.

    SciPy ships its own OpenBLAS, loaded only when SciPy's linear algebra is imported, and
    threadpoolctl reaches only the libraries already loaded: so SciPy's is loaded first.
    """
    with contextlib.suppress(ImportError):
        import scipy.linalg  # noqa: F401  (loads SciPy's BLAS so that the limit reaches it)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return f"BLAS threads: library default (--threads {n} needs threadpoolctl)"
    threadpool_limits(limits=n, user_api="blas")
    libs = [f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info()
            if i["user_api"] == "blas"]
    return f"BLAS threads: {n} ({', '.join(libs)})"


def run_result(history: dict[str, list[float]], seconds: float) -> dict:
    """A classifier example's result: the last test and train accuracy and cost, the time,
    and the history (the metrics `run_seeds` summarises as CLASSIFIER_METRICS)."""
    return {"test_accuracy": history["test accuracy"][-1],
            "train_accuracy": history["train accuracy"][-1],
            "final_cost": history["train cost"][-1], "seconds": seconds, "history": history}


CLASSIFIER_METRICS = ["test_accuracy", "train_accuracy", "final_cost", "seconds"]


# ------------------------------------------------------------------------ seeds
def run_seeds(train: Callable[[argparse.Namespace], dict], args: argparse.Namespace,
              metrics: Sequence[str]) -> dict:
    """Run ``train(args)`` once, or for ``--seeds N`` once per seed (plots in out/seed<k>).

    Returns the run's result dict; with several seeds, ``{"runs": [...], "summary": ...}``
    where summary maps each metric to "mean ± std" and the table is printed.  BLAS is
    limited to ``--threads`` first; ``--out`` defaults to runs/NAME/article or
    runs/NAME/improved.
    """
    print(limit_blas_threads(args.threads))
    if args.out is None:
        args.out = str(Path("runs") / args.example / ("improved" if args.improved
                                                      else "article"))
    if args.seeds <= 1:
        return train(args)
    runs = []
    base_out = Path(args.out)
    for k in range(args.seeds):
        seed_args = argparse.Namespace(**{**vars(args), "seed": args.seed + k,
                                          "out": str(base_out / f"seed{args.seed + k}")})
        print(f"\n===== seed {seed_args.seed} =====")
        start = time.perf_counter()
        result = train(seed_args)
        result.setdefault("seconds", time.perf_counter() - start)
        runs.append(result)
    summary = {m: mean_std([r[m] for r in runs]) for m in metrics if m in runs[0]}
    print(f"\n===== {args.seeds} seeds ({args.seed}..{args.seed + args.seeds - 1}) =====")
    width = max(len(m) for m in summary)
    for m, text in summary.items():
        per_seed = ", ".join(f"{r[m]:.3f}" for r in runs)
        print(f"{m:<{width}}  {text}   [{per_seed}]")
    return {"runs": runs, "summary": summary}


def cli(main: Callable[[], Any]) -> None:
    """Run ``main()`` as a script: a missing data file ends with a message naming the file
    and this command line's flags, a bad one with the loader's message (which says what is
    wrong with it), instead of a traceback."""
    from tinygrad_edu.data import DataError, DataFileNotFoundError
    try:
        main()
    except DataFileNotFoundError as err:
        if err.urls:
            how = (f"run again with --download to fetch it (checksum-verified) from "
                   f"{' or '.join(err.urls)}, or ")
        else:
            how = "it has no public download; "
        sys.exit(f"error: missing data file {err.path}\n{how}point --data-dir DIR (or "
                 f"TINYGRAD_EDU_DATA=DIR) at a data folder that holds it.")
    except DataError as err:
        sys.exit(f"error: {err}")


def out_dir(args: argparse.Namespace) -> Path:
    """The output folder (not created: `save_standard_plots` creates it when it writes)."""
    return Path(args.out)


def plot_title(name: str, args: argparse.Namespace) -> str:
    """What made a picture: the example, its mode (``args.mode_label`` for an example
    without an article), the seed and the data."""
    mode = getattr(args, "mode_label", None) or ("improved" if args.improved
                                                  else "article recipe")
    data = getattr(args, "data_label", None)
    return f"{name} ({mode}, seed {args.seed}{', ' + data if data else ''})"


def say(*parts: Any) -> None:
    """print, flushed (so it interleaves correctly with the progress bar on stderr)."""
    print(*parts, flush=True)
    sys.stdout.flush()
