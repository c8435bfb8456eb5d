# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Article 003: Ng's digits, and a gradient for another function
#
# Article 003 wraps a 400-25-10 sigmoid network in a scikit-learn-like class and trains it
# with `scipy.optimize.minimize(method="TNC")`, handing SciPy the cost (`fun`) and its
# hand-written gradient (`jac`). The two do not belong together: the coded cost forgets
# lambda, and the coded gradient penalises the bias rows, which no cost does. Here: the
# mismatch measured, a SciPy option that is silently ignored, the article's recipe and the
# improved one (`examples/ng_003.py`). Without the Coursera images the script uses a
# documented stand-in: MNIST shrunk to 20x20, from `TINYGRAD_EDU_DATA`.

# %%
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import scipy.optimize
from IPython.display import Image, display

from tinygrad_edu.reference import ng_003 as ref
from tinygrad_edu.tools import cli

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "examples").is_dir())
sys.path.insert(0, str(ROOT / "examples"))
import ng_003  # the article's script

OUT = Path(tempfile.mkdtemp())
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm in a notebook

# %% [markdown]
# ## The network, in the article's layout
#
# All parameters live in one flat vector `theta` (what SciPy optimises); each layer's
# matrix has the bias as its row 0.

# %%
sizes = (400, 25, 10)
theta = ref.init_params(np.random.default_rng(0), sizes)
print("theta", theta.shape, "->", [t.shape for t in ref.unflatten(theta, sizes)])

# %% [markdown]
# ## The mistake: `fun` and `jac` disagree
#
# On a small batch, the article's coded gradient against the exact gradient of its coded
# cost, with lambda 1 (the article's) and 3: the bias rows always differ, and with lambda
# other than 1 so do the weights.

# %%
rng = np.random.default_rng(1)
Xs = rng.random((20, 400))
Ys = np.eye(10)[rng.integers(0, 10, 20)]
for lambd in (1.0, 3.0):
    coded = ref.backprop_article(theta, sizes, Xs, Ys, lambd)
    exact = ref.backprop(theta, sizes, Xs, Ys, 1.0)      # the coded cost's effective lambda
    for l, (c, e) in enumerate(zip(ref.unflatten(coded, sizes), ref.unflatten(exact, sizes))):
        print(f"lambda {lambd}, layer {l}: bias row max |diff| {np.abs(c[0] - e[0]).max():.2e}"
              f", weight rows {np.abs(c[1:] - e[1:]).max():.2e}")

# %% [markdown]
# The project's check, entry by entry on a small network (central differences, the article's
# code, the corrected formula):

# %%
assert cli.main(["gradcheck", "article", "003"]) == 0   # 0: autograd is right

# %% [markdown]
# ## A budget that does nothing
#
# The article passes its `max_iter` as `options={"maxiter": ...}`. TNC has no such option in
# current SciPy (it counts function evaluations, `maxfun`); SciPy warns and ignores it:

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scipy.optimize.minimize(lambda x: float((x**2).sum()), np.ones(3), jac=lambda x: 2 * x,
                            method="TNC", options={"maxiter": 1})
print([str(w.message) for w in caught])

# %% [markdown]
# The framework's estimator maps `max_iter` to `maxfun` for TNC, and computes `fun` and `jac`
# from one graph, so they cannot disagree.
#
# ## The article's recipe
#
# N(0, 1) initialisation, lambda 1, TNC with a budget of 200 function evaluations.

# %%
article = ng_003.main(["--quiet", "--out", str(OUT / "article")])
display(*(Image(filename=p) for p in sorted((OUT / "article").glob("*.png"))))

# %% [markdown]
# ## The fix
#
# `--improved`: Xavier initialisation (N(0, 1) weights on 400 inputs start many sigmoids
# saturated) and L-BFGS-B, which makes better use of the same budget; same cost and lambda.

# %%
improved = ng_003.main(["--improved", "--quiet", "--out", str(OUT / "improved")])
display(*(Image(filename=p) for p in sorted((OUT / "improved").glob("*.png"))))
for name, run in (("article", article), ("improved", improved)):
    print(f"{name:>8}: test accuracy {run['test_accuracy']:.3f}")
