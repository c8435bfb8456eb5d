"""Reproduce every article over several seeds and write a markdown results table.

For each article example this runs ``main([... "--seeds", "5"])`` twice -- the article's
recipe and ``--improved`` -- and tabulates the article's own metric, mean ± std over the
seeds, with the seconds per run (the training loop, evaluation included).  It uses the real
data (``--data-dir`` or ``TINYGRAD_EDU_DATA``); a missing file stops it with the loader's
message.  Each example limits BLAS to its ``--threads`` default (one thread: on a 2-core
machine that is both the fastest for these small matrices and steadier when something else
is running).

Run:  TINYGRAD_EDU_DATA=/path/to/datasets python examples/results.py
      python examples/results.py --only digits_001 --seeds 3
Writes ``runs/results/results.md`` and one log per run beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import time
from pathlib import Path

import _common as common
import numpy as np

# article, network, the article's reported figure, metrics [(label, key)], extra flags
ARTICLES = [
    ("semeion_000", "256-30-20-10 sigmoid, BCE + L2, full-batch GD",
     "5/5 sample images right (no test-set figure)",
     [("exact-match", "test_exact_match"), ("argmax", "test_accuracy")], []),
    ("digits_001", "64-200-10 sigmoid/softmax, per-sample SGD",
     "none (loss per epoch only)", [("test acc", "test_accuracy")], []),
    ("mnist_002", "784-32-10 ReLU + output ReLU, per-sample SGD",
     "\"up to 97%\" (claimed for 50 epochs; code runs 5)",
     [("test acc", "test_accuracy"), ("output units dead on their own digit",
                                      "dead_for_own_digit")], []),
    ("ng_003", "400-25-10 sigmoid, BCE + L2 (lambda 1), SciPy TNC",
     "notebook accuracy, not stated in the text",
     [("test acc", "test_accuracy"), ("train acc", "train_accuracy")], []),
    ("catvnoncat_004", "12288-20-7-5-1 ReLU/sigmoid, full-batch GD",
     "50% test on its own 24 images",
     [("test acc", "test_accuracy"), ("train acc", "train_accuracy")], []),
]

DATA = {
    "semeion_000": "UCI Semeion, 1593 16x16 binary; last 100 of a seeded shuffle as test",
    "digits_001": "scikit-learn digits, 1797 8x8; 80/20",
    "mnist_002": None,  # filled from the run (which MNIST pool)
    "ng_003": None,     # filled from the run (Coursera set or MNIST stand-in)
    "catvnoncat_004": "deeplearning.ai cat/non-cat, 209 train / 50 test 64x64x3",
}


def run(module, flags, log):
    """main(flags) with its output in ``log``; returns (runs, wall seconds)."""
    start = time.perf_counter()
    with open(log, "w") as f, contextlib.redirect_stdout(f):
        result = module.main(flags)
    runs = result.get("runs", [result])
    return runs, time.perf_counter() - start


def cell(runs, metrics):
    parts = []
    for label, key in metrics:
        fmt = ".1f" if "dead" in key else ".3f"
        parts.append(f"{label} {common.mean_std([r[key] for r in runs], fmt)}")
    return "; ".join(parts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--only", nargs="*", default=None, help="article example names")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", default="runs/results")
    p.add_argument("--tiny", action="store_true", help="tiny runs (tests): the numbers mean "
                   "nothing")
    p.add_argument("--synthetic", action="store_true", help="generated data (tests only)")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rows, notes = [], []
    for name, network, reported, metrics, extra in ARTICLES:
        if args.only and name not in args.only:
            continue
        module = importlib.import_module(name)
        base = ["--seeds", str(args.seeds), "--quiet", "--no-plots", "--out",
                str(out / name), *extra]
        if args.data_dir:
            base += ["--data-dir", args.data_dir]
        base += ["--tiny"] * args.tiny + ["--synthetic"] * args.synthetic
        print(f"{name}: article recipe x {args.seeds} seeds ...", flush=True)
        repro, wall_r = run(module, base, out / f"{name}.log")
        print(f"{name}: --improved x {args.seeds} seeds ...", flush=True)
        improved, wall_i = run(module, [*base, "--improved"], out / f"{name}-improved.log")
        data = DATA[name] or repro[0].get("pool") or repro[0].get("data", "")
        if name == "mnist_002":
            data = f"5000 binarised images from the {data}; 70/15/15"
        if name == "ng_003":
            data = f"{data}; 80/20"
        seconds = (f"{np.mean([r['seconds'] for r in repro]):.1f} / "
                   f"{np.mean([r['seconds'] for r in improved]):.1f}")
        rows.append(f"| {name} | {network} | {data} | {reported} | {cell(repro, metrics)} "
                    f"| {cell(improved, metrics)} | {seconds} |")
        if name == "mnist_002":
            per_seed = ", ".join(
                f"seed {i + 1}: {r['test_accuracy']:.3f} "
                f"({int(r['dead_for_own_digit'])} dead on own digit, "
                f"{int(r['never_predicted'])} never predicted)" for i, r in enumerate(repro))
            notes.append(f"- mnist_002 per seed, article recipe: {per_seed}.  Output "
                         f"units dead on all 5000 images: "
                         f"{sum(r['dead_output_units'] for r in repro):.0f} in total.")
        print(f"{name}: done in {wall_r + wall_i:.0f} s", flush=True)

    header = ("| article | network | data | article's figure | reproduced (mean ± std, "
              f"{args.seeds} seeds) | improved (mean ± std) | s/run (repro / improved) |\n"
              "|---|---|---|---|---|---|---|")
    table = "\n".join([header, *rows])
    text = (f"{table}\n\n" + ("\n".join(notes) + "\n\n" if notes else "")
            + "Seconds: the training loop with its per-epoch evaluation, one run, on this "
              "machine (BLAS threads: each example's --threads default).\n")
    (out / "results.md").write_text(text)
    print()
    print(text)
    print(f"written to {out / 'results.md'}")
    return text


if __name__ == "__main__":
    common.cli(main)
