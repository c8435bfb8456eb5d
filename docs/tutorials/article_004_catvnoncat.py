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
# # Article 004: cat or not, and a signal that vanishes
#
# Article 004 builds an L-layer network, 12288-20-7-5-1 (ReLU hidden layers, a sigmoid
# output, binary cross-entropy), for 64x64 colour pictures of cats and non-cats, trained by
# full-batch gradient descent. Its gradients are right; its initialisation, `randn * 0.01`,
# shrinks the signal at every layer until the network cannot learn anything but the class
# balance. Here: the signal measured layer by layer, the article's recipe and the fix
# (`examples/catvnoncat_004.py`). The data come from `TINYGRAD_EDU_DATA` (or `--download`).

# %%
import sys
import tempfile
import warnings
from itertools import pairwise
from pathlib import Path

import numpy as np
from IPython.display import Image, display

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import load_catvnoncat

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "examples").is_dir())
sys.path.insert(0, str(ROOT / "examples"))
import catvnoncat_004  # the article's script

OUT = Path(tempfile.mkdtemp())
QUICK = ["--epochs", "1000"]  # the article runs 2500 iterations: remove this for the full run
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm in a notebook

# %% [markdown]
# ## The network, and its signal at the start
#
# Each layer multiplies the scale of its input by about `std(w) * sqrt(fan_in)` (halved
# in variance by the ReLU). With `std(w) = 0.01` that is about 1 for the 12288-input layer
# but about 0.02 for each of the next three. He initialisation, `std(w) = sqrt(2 / fan_in)`,
# keeps the scale. Forward the 209 training images through both and look at each layer's
# pre-activations and its weights' gradient:

# %%
train_x, train_y, test_x, test_y, classes = load_catvnoncat()
x = tg.Tensor(train_x.reshape(len(train_x), -1) / 255.0)
y = tg.Tensor(train_y.reshape(-1, 1).astype(np.float64))
sizes = (12288, 20, 7, 5, 1)
print(f"{len(train_x)} training images {train_x.shape[1:]}, {train_y.mean():.0%} cats")


def network(init):
    gen = tg.Generator().manual_seed(1)
    linears = [nn.Linear(a, b) for a, b in pairwise(sizes)]
    for i, layer in enumerate(linears):
        if init == "article":
            nn.init.normal_(layer.weight, 0.0, 0.01, generator=gen)
        else:   # He for the ReLU layers, 1/sqrt(fan_in) for the sigmoid output
            std = np.sqrt((2.0 if i < len(linears) - 1 else 1.0) / layer.in_features)
            nn.init.normal_(layer.weight, 0.0, std, generator=gen)
        nn.init.zeros_(layer.bias)
    layers = [m for layer in linears[:-1] for m in (layer, nn.ReLU())] + [linears[-1]]
    return nn.Sequential(*layers).to(tg.float64), linears


for init in ("article", "he"):
    model, linears = network(init)
    nn.BCEWithLogitsLoss()(model(x), y).backward()
    h, scales = x, []
    with tg.no_grad():
        for module in model:
            h = module(h)
            if isinstance(module, nn.Linear):
                scales.append(f"{h.data.std():.0e} / {module.weight.grad.data.std():.0e}")
    print(f"{init:>8} init, pre-activation std / weight-gradient std per layer: "
          + ", ".join(scales))

# %% [markdown]
# With the article's initialisation the output logit starts around 1e-6 and the first
# layer's weight gradients around 1e-7: with a learning rate of 0.0075, gradient descent
# cannot move them. Only the output bias learns, and it learns the class balance.
#
# ## The article's recipe
#
# `randn * 0.01`, full-batch gradient descent with lr 0.0075 (1000 iterations here,
# `QUICK`; the article's 2500 change nothing below). The cost creeps from ln 2 to the
# entropy of the class balance, and the network gives every image the same answer: the
# train accuracy is the non-cat share, the test accuracy the test set's.

# %%
article = catvnoncat_004.main([*QUICK, "--quiet", "--out", str(OUT / "article")])
display(*(Image(filename=p) for p in sorted((OUT / "article").glob("*.png"))))

# %% [markdown]
# ## The fix
#
# `--improved`: He initialisation, everything else as the article.

# %%
improved = catvnoncat_004.main([*QUICK, "--improved", "--quiet",
                                "--out", str(OUT / "improved")])
display(*(Image(filename=p) for p in sorted((OUT / "improved").glob("*.png"))))
for name, run in (("article", article), ("improved", improved)):
    print(f"{name:>8}: train accuracy {run['train_accuracy']:.3f}, "
          f"test accuracy {run['test_accuracy']:.3f}, "
          f"share answered 'cat' {run['predicted_cat_share']:.2f}")
