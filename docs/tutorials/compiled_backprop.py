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
# # Autograd writes the backprop
#
# Article 001 derives the backpropagation of its 64-200-10 network (sigmoid hidden layer,
# softmax output, cross-entropy) by hand and codes it in NumPy. `tinygrad_edu.compile`
# goes the other way: it runs an ordinary training step once under a tracer -- the
# forward pass, the engine's backward pass, the optimizer's update -- and writes down every
# NumPy operation as a Python function. Here: that program for article 001's network, its
# lines next to the article's formulas, and a check that it computes what the article's
# own code computes (and, on a batch, where it does not).

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_digits
from tinygrad_edu.reference import digits_001 as ref
from tinygrad_edu.tools.compile_show import ARTICLES
from tinygrad_edu.tools.program_parts import parts

# %% [markdown]
# ## The step, as a learner writes it
#
# The article's network with two `nn.Linear` layers named `fc1` and `fc2` (the program
# names the parameters after them), the article's initial weights (its (in, out) layout
# converted to `nn.Linear`'s (out, in) by `ref.to_linear`), its loss and its plain SGD
# with learning rate 0.01. The step is the usual four lines; `tg.compile` wraps it.

# %%
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 200), nn.Linear(200, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x).sigmoid())


model = Net().to(tg.float64)
params = ref.init_params(np.random.default_rng(0))
with tg.no_grad():
    for layer, (weight, bias) in zip((model.fc1, model.fc2), ref.to_linear(params)):
        layer.weight.copy_(tg.Tensor(weight))
        layer.bias.copy_(tg.Tensor(bias))
optimizer = optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()


def step(x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


compiled = tg.compile(step)

# %% [markdown]
# The article trains on one image at a time. The first call of the compiled step runs it
# eagerly (the optimizer makes its state then), the second traces it and writes the
# program, the third runs the program and checks it against an eager run; from then on
# only the program runs.

# %%
X, y = load_digits()
X = X.astype(np.float64)
for i in range(3):
    compiled(tg.Tensor(X[i:i + 1]), tg.Tensor(y[i:i + 1]))
print(compiled.source)

# %% [markdown]
# No Tensor, no graph, no engine: NumPy lines that read the parameters (`fc1_weight` ...),
# compute the gradients (`d_fc1_weight` ...) and update the parameters in place. Buffers
# (`buf0` ...) are allocated once and reused, and the lines that only check the trace's
# assumptions (`raise GuardFailed`: a label out of range, say) come before anything is
# changed and hand that call to the eager engine instead of computing something wrong.
#
# ## The article's formulas, line by line
#
# `program_parts.parts` reads the program's dataflow: the lines the loss depends on are the
# forward pass, the lines `d_fc2_weight` and `d_fc2_bias` both depend on are the output
# layer's error, and so on down. Each of the article's formulas, with the lines that
# compute it:

# %%
found = parts(compiled.source, [("fc1_weight", "fc1_bias"), ("fc2_weight", "fc2_bias")])
lines = compiled.source.split("\n")
for formula in ARTICLES["001"].formulas:
    print(formula.text)
    for k in found.get(formula.part, []):
        print(f"    {k:3}  {lines[k - 1].strip()}")

# %% [markdown]
# Two things differ from the article's code without changing a number at one sample per
# step. The softmax and the cross-entropy are one operation: the loss comes from the logits
# with the row maximum subtracted (log-softmax; the article takes `log(probs * y)` and
# zeroes its -inf), and the backward is `probs - y`, written as the probabilities with 1
# taken off at the sample's class, because the program keeps class indices where the
# article has one-hot rows. And the article's `W1` is (64, 200), so `d_fc1_weight` is its
# `dW1` transposed.
#
# ## The program against the article's code
#
# One more step with the program, and the article's hand-written backprop at the same
# parameters and sample: the gradients agree to rounding.

# %%
def article_layout():
    return ref.from_linear([(layer.weight.data.copy(), layer.bias.data.copy())
                            for layer in (model.fc1, model.fc2)])


def article_gradients(x, labels):
    return ref.backprop_article(article_layout(), x, np.eye(10)[labels])


(dW1, db1), (dW2, db2) = article_gradients(X[3:4], y[3:4])
compiled(tg.Tensor(X[3:4]), tg.Tensor(y[3:4]))
for name, ours, article in (("W1", model.fc1.weight.grad.data, dW1.T),
                            ("b1", model.fc1.bias.grad.data, db1[0]),
                            ("W2", model.fc2.weight.grad.data, dW2.T),
                            ("b2", model.fc2.bias.grad.data, db2[0])):
    print(f"d{name}: max |program - article| = {np.abs(ours - article).max():.1e}")

# %% [markdown]
# ## On a batch: a mean loss and a summed gradient
#
# The article's loss is a mean over the samples, its gradient a sum: on a batch of N its
# update is N times the gradient of its loss. A batch of 8 is a new input shape, so the
# compiled step traces again; the program's output error now carries the 1/N of the mean
# (0.125 in the first line of the backward), and the article's gradients are 8 times the
# program's.

# %%
batch = slice(8, 16)
for _ in range(3):
    compiled(tg.Tensor(X[batch]), tg.Tensor(y[batch]))
backward = [line.strip() for line in compiled.source.split("\n") if line.strip().startswith("d_")]
print("\n".join(backward[:2]))
(dW1, db1), (dW2, db2) = article_gradients(X[batch], y[batch])
compiled(tg.Tensor(X[batch]), tg.Tensor(y[batch]))
print("article's dW2 / program's:", np.unique(np.round(dW2.T / model.fc2.weight.grad.data, 9)))

# %% [markdown]
# The same view for every article, from the command line:
# `tinygrad-edu compile --show article 001` (000 to 004), with the program's lines marked
# by the article's symbols and a list of where each program differs from its article.
