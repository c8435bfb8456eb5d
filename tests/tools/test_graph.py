"""Graph pictures: the DOT text of known graphs, names, gradients, freed graphs, rendering."""

from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.tools import graph
from tinygrad_edu.tools.graph import GraphvizNotFoundError, render, to_dot


def nodes(dot: str) -> dict[str, str]:
    """node id -> its label."""
    return dict(re.findall(r'^  (\w+) \[.*label="((?:[^"\\]|\\.)*)"\];$', dot, flags=re.M))


def edges(dot: str) -> list[tuple[str, str]]:
    return re.findall(r"^  (\w+) -> (\w+)", dot, flags=re.M)


def small_graph() -> SimpleNamespace:
    """loss = sum(x * w) with x named "x"; h = x * w."""
    x = tg.Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True, name="x")
    w = tg.Tensor(np.full((2, 3), 0.5), requires_grad=True)
    h = x * w
    return SimpleNamespace(x=x, w=w, h=h, loss=h.sum())


def test_node_and_edge_counts_and_labels_of_a_known_graph():
    g = small_graph()
    dot = to_dot(g.loss)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    labels = nodes(dot)
    # 2 leaves + (op node + its output tensor) for Mul and for Sum
    assert len(labels) == 6
    assert len(edges(dot)) == 5  # x->Mul, w->Mul, Mul->h, h->Sum, Sum->loss
    assert sorted(v for v in labels.values() if v in ("Mul", "Sum")) == ["Mul", "Sum"]
    assert "x\\n(2, 3) float64" in labels.values()          # the leaf's own name
    assert "(2, 3) float64" in labels.values()              # unnamed w and h
    assert "() float64" in labels.values()                  # the scalar loss
    assert "\\ngrad " not in dot                             # no backward yet


def test_names_label_intermediates_and_leaves():
    g = small_graph()
    dot = to_dot(g.loss, names={"weights": g.w, "h": g.h, "loss": g.loss})
    labels = set(nodes(dot).values())
    assert {"weights\\n(2, 3) float64", "h\\n(2, 3) float64", "loss\\n() float64"} <= labels


def test_gradients_appear_after_backward():
    g = small_graph()
    g.h.retain_grad()
    g.loss.backward(retain_graph=True)
    dot = to_dot(g.loss, names={"h": g.h})
    labels = nodes(dot)
    assert "x\\n(2, 3) float64\\ngrad [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]" in labels.values()
    assert "(2, 3) float64\\ngrad [[1, 2, 3], [4, 5, 6]]" in labels.values()  # w
    assert "h\\n(2, 3) float64\\ngrad [[1, 1, 1], [1, 1, 1]]" in labels.values()  # retained
    assert "\\ngrad " not in to_dot(g.loss, show_grad=False)


def test_large_gradients_are_abbreviated():
    x = tg.Tensor(np.arange(1000.0), requires_grad=True)
    (x * 2).sum().backward()
    label = next(v for v in nodes(to_dot(x)).values() if "grad" in v)
    assert "..." in label and len(label) < 80


def test_a_freed_graph_draws_as_far_as_it_can():
    g = small_graph()
    g.loss.backward()  # frees the graph
    dot = to_dot(g.loss)
    assert "Sum" in dot and "freed by backward()" in dot and "retain_graph=True" in dot
    assert "Mul" not in dot  # beyond the freed node nothing is known


def test_leaf_alone_constants_and_quotes():
    x = tg.Tensor(np.ones(3), requires_grad=True, name='say "hi"\\')
    assert len(nodes(to_dot(x))) == 1 and 'say \\"hi\\"\\\\' in to_dot(x)
    y = (x * tg.Tensor(np.ones(3))).sum()  # the constant is not part of the graph
    assert len(nodes(to_dot(y))) == 5


def test_shared_input_and_deep_graph():
    x = tg.Tensor(np.array([3.0]), requires_grad=True)
    dot = to_dot(x * x)
    assert edges(dot).count(("t1", "f0")) == 2  # the same tensor used twice by Mul
    y = x
    for _ in range(5000):
        y = y + 1.0
    assert len(nodes(to_dot(y))) == 2 * 5000 + 1  # iterative: no recursion limit


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_render_svg_and_png(tmp_path):
    g = small_graph()
    svg = render(g.loss, tmp_path / "g.svg")
    assert "<svg" in svg.read_text()
    png = render(g.loss, tmp_path / "sub" / "g.out", format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_without_graphviz_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    g = small_graph()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as info:
        render(g.loss, tmp_path / "g.svg")
    assert "to_dot" in str(info.value) and "no Python package is needed" in str(info.value)
    with pytest.raises(ValueError, match="format"):
        render(g.loss, tmp_path / "g.gif")
