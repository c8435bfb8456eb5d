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
# # Article 001: digits, a mean loss and a summed gradient
#
# Article 001 trains a 64-200-10 network (sigmoid hidden layer, softmax output,
# cross-entropy) on scikit-learn's 8x8 digits, one sample per SGD step, and writes its
# backpropagation by hand. Here: the network in `nn`, the two places where its hand-written
# maths and its loss part ways with the true gradient, the article's recipe, and the
# improved one. `examples/digits_001.py` is the script behind the runs (its docstring has
# the details); no download is needed.

# %%
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from IPython.display import Image, display

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import load_digits
from tinygrad_edu.reference import digits_001 as ref
from tinygrad_edu.tools import cli

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "examples").is_dir())
sys.path.insert(0, str(ROOT / "examples"))
import digits_001  # the article's script

OUT = Path(tempfile.mkdtemp())
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm in a notebook

# %% [markdown]
# ## The network
#
# `nn.CrossEntropyLoss` takes the logits and applies log-softmax itself, so the softmax is
# not a layer. The article's weights are in (in, out) layout with row-vector biases;
# `ref.to_linear` converts them exactly to `nn.Linear`'s (out, in) layout.

# %%
X, y = load_digits()
Xb, yb = X[:32], y[:32]                          # a batch of 32 images
rng = np.random.default_rng(0)
params = ref.init_params(rng)                    # the article's init: randn / sqrt(fan_in)

model = nn.Sequential(nn.Linear(64, 200), nn.Sigmoid(), nn.Linear(200, 10)).to(tg.float64)
with tg.no_grad():
    for layer, (weight, bias) in zip((model[0], model[2]), ref.to_linear(params)):
        layer.weight.copy_(tg.Tensor(weight))
        layer.bias.copy_(tg.Tensor(bias))
print(model)

# %% [markdown]
# ## The mistake: a mean loss with a summed gradient
#
# The article's loss divides by the number of samples N; its gradient formulas start from
# `P - Y` and never divide. On a batch of N samples its update is N times the gradient of
# its own loss. Autograd differentiates the mean:

# %%
loss = nn.CrossEntropyLoss()(model(tg.Tensor(Xb)), tg.Tensor(yb))
loss.backward()
Y = np.eye(10)[yb]
(dW1, db1), (dW2, db2) = ref.backprop_article(params, Xb, Y)
print("loss: autograd", loss.item(), " article's formula", ref.cost(params, Xb, Y))
print("article's dW2 / autograd's:", np.unique(np.round(dW2.T / model[2].weight.grad.data, 9)))
print("article's db1 / autograd's:", np.unique(np.round(db1[0] / model[0].bias.grad.data, 9)))

# %% [markdown]
# Exactly 32, in every entry. With the article's batch of one sample the two agree, which is
# why its training works; with mini-batches its learning rate would silently be N times
# larger. The project's command-line check shows the same on a small network, entry by
# entry, against central differences too:

# %%
assert cli.main(["gradcheck", "article", "001"]) == 0  # 0: autograd is right

# %% [markdown]
# ## The second mistake: samples that drop out of the loss
#
# The article's loss takes `log(P * Y)` and then sets every `-inf` to 0. A sample whose
# target probability underflows to 0 (its target logit some 745 below the largest) then
# adds nothing instead of a huge loss. Push one sample's target logit down and compare:

# %%
bad = [(W.copy(), b.copy()) for W, b in params]
bad[-1][1][0, yb[0]] = -800.0                    # the first sample's class: logit -800
one = slice(0, 1)
print("article's loss on that sample:", ref.cost_article(bad, Xb[one], Y[one]) + 0.0)
print("true cross-entropy (log-softmax):", ref.cost(bad, Xb[one], Y[one]))

# %% [markdown]
# ## The article's recipe
#
# Per-sample SGD, lr 0.01, 10 epochs, pixels 0..16 unscaled; the script prints the loss
# after each epoch as the article does and writes the cost, accuracy and prediction plots.

# %%
article = digits_001.main(["--quiet", "--out", str(OUT / "article")])
display(*(Image(filename=p) for p in sorted((OUT / "article").glob("*.png"))))

# %% [markdown]
# ## The fix
#
# `--improved`: pixels scaled to [0, 1], ReLU with He initialisation, mini-batches of 32
# reshuffled every epoch (safe now: autograd's gradient is the gradient of the mean), SGD
# with Nesterov momentum. The article's network is already near this data set's ceiling, so
# the gain is speed at equal accuracy.

# %%
improved = digits_001.main(["--improved", "--quiet", "--out", str(OUT / "improved")])
display(*(Image(filename=p) for p in sorted((OUT / "improved").glob("*.png"))))
for name, run in (("article", article), ("improved", improved)):
    print(f"{name:>8}: test accuracy {run['test_accuracy']:.3f} in {run['seconds']:.1f} s")
