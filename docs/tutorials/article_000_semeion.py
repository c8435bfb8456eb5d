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
# # Article 000: Semeion, a cost and the gradient the text gives for it
#
# Article 000 builds a 256-30-20-10 sigmoid network on the UCI Semeion digits (16x16 binary
# images), with a binary cross-entropy over the ten outputs plus an L2 penalty that leaves
# the biases alone, trained by full-batch gradient descent. Its code computes the right
# gradient; the rule its text states does not. Here: the network, the text's rule against
# autograd, the article's recipe and the improved one (`examples/semeion_000.py`). The data
# come from `TINYGRAD_EDU_DATA` (or `--download`).

# %%
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from IPython.display import Image, display

from tinygrad_edu.data import load_semeion
from tinygrad_edu.reference import semeion_000 as ref
from tinygrad_edu.tools import cli

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "examples").is_dir())
sys.path.insert(0, str(ROOT / "examples"))
import semeion_000  # the article's script

OUT = Path(tempfile.mkdtemp())
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm in a notebook

# %% [markdown]
# ## The network, in the article's layout
#
# Each layer is one matrix `theta` whose column 0 multiplies a constant 1 (the bias) and
# whose other columns are the weights: `nn.Linear`'s `bias` and `weight`. The penalty is
# `lambda/(2m)` times the sum of the squared weights, bias columns excluded.

# %%
X, labels = load_semeion()
Y = np.eye(10)[labels]
thetas = ref.init_params(np.random.default_rng(1))
print("images", X.shape, "| thetas", [t.shape for t in thetas])
print("cost at the start:", ref.cost(thetas, X, Y))

# %% [markdown]
# ## The mistake: the text's gradient is not the gradient of the cost
#
# The text writes `(1/m) Delta` for the output layer and `(1/m) Delta + (lambda/m) theta`
# for the hidden ones. Against the exact gradient of the cost (the code's rule, which
# autograd confirms below), the text's rule adds a penalty gradient to the hidden biases,
# which the cost does not penalise, and drops it from the output weights, which it does:

# %%
exact, prose = ref.backprop(thetas, X, Y), ref.backprop_prose(thetas, X, Y)
for l, (e, p) in enumerate(zip(exact, prose)):
    differs = ~np.isclose(e, p, rtol=1e-12, atol=0)
    print(f"layer {l}: bias column differs: {differs[:, 0].all()}, "
          f"weight columns differ: {differs[:, 1:].mean():.0%}")

# %% [markdown]
# The project's check runs the same comparison on a small network: autograd against central
# and forward differences, the article's text and the article's code, entry by entry.

# %%
assert cli.main(["gradcheck", "article", "000"]) == 0   # 0: autograd is right

# %% [markdown]
# ## The article's recipe
#
# Uniform(-1, 1) weights, sigmoid outputs with binary cross-entropy, lambda 0.1, 500 steps
# of full-batch gradient descent with step 1; the last 100 images of a seeded shuffle are the
# test set. "Exact match" counts an image right only when all ten outputs are on the right
# side of 0.5; "argmax" takes the largest output.

# %%
article = semeion_000.main(["--quiet", "--out", str(OUT / "article")])
display(*(Image(filename=p) for p in sorted((OUT / "article").glob("*.png"))))

# %% [markdown]
# ## The fix
#
# `--improved`: Xavier initialisation (the uniform(-1, 1) weights on 256 inputs start most
# sigmoids saturated), one softmax with cross-entropy over the ten classes (each image holds
# exactly one digit), the same penalty, and Nesterov momentum.

# %%
improved = semeion_000.main(["--improved", "--quiet", "--out", str(OUT / "improved")])
display(*(Image(filename=p) for p in sorted((OUT / "improved").glob("*.png"))))
for name, run in (("article", article), ("improved", improved)):
    print(f"{name:>8}: test accuracy (argmax) {run['test_accuracy']:.3f}")
