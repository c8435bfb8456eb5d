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
# # Autograd from the inside
#
# A `Tensor` is a NumPy array plus what reverse-mode differentiation needs: whether it wants a
# gradient, the op that made it, and after `backward()` its `.grad`. This notebook builds a
# three-op computation, looks at the graph it records, runs the backward pass by hand next to
# the engine's, and ends with the rules (accumulation, `retain_graph`, `create_graph`,
# `no_grad`, in-place changes) checked live.
#
# Run it yourself with `pip install -e '.[docs]' jupyterlab` and `jupyter lab docs/tutorials/`
# (jupytext, in the docs extra, opens this `.py` file as a notebook), or read it on the
# documentation site with the outputs of its last build.

# %%
import shutil
import tempfile
from pathlib import Path

import numpy as np
from IPython.display import SVG, Markdown, display

import tinygrad_edu as tg
from tinygrad_edu.tools.graph import render, to_dot


def show_graph(tensor, names):
    """The recorded graph as an inline picture (Graphviz), or its DOT text without Graphviz."""
    if shutil.which("dot") is None:
        print(to_dot(tensor, names=names))
        return
    display(SVG(filename=render(tensor, Path(tempfile.mkdtemp()) / "graph.svg", names=names)))


# %% [markdown]
# ## A tensor
#
# `Tensor(ndarray)` keeps the array's dtype (float64 here: gradient checks want it);
# `requires_grad=True` makes it a *leaf* that will receive a gradient.

# %%
x = tg.Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
w = tg.Tensor(np.array([[0.5, -0.5], [0.25, 0.0], [-0.25, 0.5]]), requires_grad=True)
print(x)
print("shape", x.shape, "dtype", x.dtype, "leaf", x.is_leaf, "grad", x.grad, "grad_fn", x.grad_fn)
print("the data is a plain ndarray:", type(x.data).__name__)

# %% [markdown]
# ## The graph it records
#
# Every op on a tensor that requires grad records a node: the `Function` that made the
# result, reachable as `result.grad_fn`. Each node's `next` holds the nodes of its inputs,
# so from the loss we can walk back to the leaves.

# %%
z = x @ w                   # (1, 3) @ (3, 2) -> (1, 2)
h = z.tanh()
loss = (h * h).sum()        # a 0-d tensor
print(loss)



def walk(node, depth=0):
    """Print a node, then (indented) the nodes of its inputs: op nodes, or leaf tensors."""
    if isinstance(node, tg.Tensor):
        print("  " * depth + f"leaf tensor {tuple(node.shape)}")
        return
    print("  " * depth + repr(node))
    for child in node.next:
        walk(child, depth + 1)


walk(loss.grad_fn)

# %% [markdown]
# `h * h` uses `h` twice, so `TanhBackward` shows up under both operands of `MulBackward`:
# the graph is a DAG, not a tree. The engine sorts the nodes topologically and visits
# each one once, after all the gradients flowing into it have been added up.
#
# The same graph as a picture: leaves are blue boxes, op nodes grey ellipses, and each op
# points at the tensor it made (shape and dtype).

# %%
show_graph(loss, names={"x": x, "w": w, "z": z, "h": h, "loss": loss})

# %% [markdown]
# ## Backward, step by step
#
# `loss.backward()` walks the nodes once, from the loss to the leaves, in topological order.
# Each node receives the gradient of the loss with respect to its output and hands each
# input its share (the chain rule). For this graph, by hand:
#
# | node | output | gradient handed to its input |
# |---|---|---|
# | `SumBackward` | `loss = sum(p)` | `dL/dp = 1` (broadcast to p's shape) |
# | `MulBackward` | `p = h * h` | `dL/dh = 2 h * dL/dp` (h is both operands: two shares) |
# | `TanhBackward` | `h = tanh(z)` | `dL/dz = (1 - h^2) * dL/dh` |
# | `MatmulBackward` | `z = x @ w` | `dL/dx = dL/dz @ w.T`, `dL/dw = x.T @ dL/dz` |
#
# The same numbers in NumPy, one step per line:

# %%
X, W = x.data, w.data
H = np.tanh(X @ W)
dL_dp = np.ones_like(H)
dL_dh = 2 * H * dL_dp
dL_dz = (1 - H**2) * dL_dh
dL_dx, dL_dw = dL_dz @ W.T, X.T @ dL_dz
print("dL/dz by hand:", dL_dz)

# %% [markdown]
# Hooks let us watch the engine hand the gradients along. An intermediate tensor keeps no
# `.grad` (it is freed as soon as it is passed on) unless it asks with `retain_grad()`.

# %%
seen = []
h.register_hook(lambda g: seen.append(("dL/dh", g.data.copy())))
z.register_hook(lambda g: seen.append(("dL/dz", g.data.copy())))
z.retain_grad()
loss.backward()
for name, g in seen:
    print(f"{name} arrives: {g}")
print("z.grad", z.grad.data, " h.grad", h.grad)
assert np.allclose(seen[0][1], dL_dh) and np.allclose(seen[1][1], dL_dz)
assert np.allclose(x.grad.data, dL_dx) and np.allclose(w.grad.data, dL_dw)
print("x.grad", x.grad.data)
print("w.grad", w.grad.data)

# %% [markdown]
# After `backward()` the graph is freed as it goes (its saved arrays are released), so the
# picture now shows the leaves with their gradients, and a note where the graph was freed.
# `backward(retain_graph=True)` keeps it drawable.

# %%
show_graph(loss, names={"x": x, "w": w, "loss": loss})

# %% [markdown]
# Finite differences agree with the engine (`gradcheck` compares the whole Jacobians, in
# float64, with central differences):

# %%
print(tg.gradcheck(lambda x, w: ((x @ w).tanh() ** 2).sum(), (x, w)))

# %% [markdown]
# ## The gradient semantics, checked
#
# Each row runs the behaviour it names, PyTorch's in each case (the
# [guide](../../gradient_checking/#gradient-semantics-as-in-pytorch) has the same rules with
# longer examples).

# %%
rows = []

a = tg.Tensor(np.array([2.0]), requires_grad=True)
(a * a).sum().backward()
(a * a).sum().backward()
rows.append(("accumulation", "two `backward()` add into `.grad`",
             f"d(a²)/da twice = {a.grad.item()}"))

y = (a.exp() * a).sum()
y.backward(retain_graph=True)
y.backward()
try:
    y.backward()
    third = "ran"
except RuntimeError as e:
    third = "RuntimeError: " + str(e).split(".")[0]
rows.append(("`retain_graph`", "the graph is freed unless kept", f"third backward: {third}"))

c = tg.Tensor(np.array([3.0]), requires_grad=True)
(dy,) = tg.grad((c**3).sum(), c, create_graph=True)
(d2y,) = tg.grad(dy.sum(), c)
rows.append(("`create_graph`", "the backward is itself recorded",
             f"at c = 3: d(c³)/dc = {dy.item()}, d²(c³)/dc² = {d2y.item()}"))

with tg.no_grad():
    u = a * 2
rows.append(("`no_grad`", "nothing recorded",
             f"requires_grad={u.requires_grad}, grad_fn={u.grad_fn}"))

b = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
out = (b * b).sum()
with tg.no_grad():
    b.mul_(3.0)             # what an optimizer step does
try:
    out.backward()
    inplace = "ran"
except RuntimeError as e:
    inplace = "RuntimeError: " + str(e)[:70] + "..."
rows.append(("in-place change", "a saved value changed since: backward refuses", inplace))

display(Markdown("| rule | what | observed |\n|---|---|---|\n"
                 + "\n".join(f"| {r} | {w_} | {o} |" for r, w_, o in rows)))
