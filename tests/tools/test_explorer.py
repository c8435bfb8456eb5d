"""The graph explorer's data (nodes, edges, the backward replay) against the engine's own run,
the page it writes, and the notebook displays (Tensor and Graph)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.tools import graph
from tinygrad_edu.tools.anomaly import detect_anomaly
from tinygrad_edu.tools.explorer import graph_data, summarize

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import _common as common


def shared_use():
    """h is used three times (h * h and + h): its gradient is a sum of three."""
    a = tg.Tensor(np.array([[1.0, 2.0], [3.0, -1.0]]), requires_grad=True, name="a")
    b = tg.Tensor(np.array([0.5, -0.25]), requires_grad=True, name="b")
    h = (a * b).tanh()
    return a, b, h, (h * h + h).sum()


def page_data(text: str) -> dict:
    found = re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', text, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


def engine_order(loss, tensors):
    """The order in which a real loss.backward() reaches ``tensors`` (public hooks)."""
    seen = []
    for t in tensors:
        t.register_hook(lambda g, t=t: seen.append(t))
    loss.backward(retain_graph=True)
    return seen


def test_nodes_edges_and_labels_of_a_known_graph():
    *_, loss = shared_use()
    d = graph_data(loss)
    ops = sorted(n["op"] for n in d["nodes"] if n["kind"] == "op")
    assert ops == ["Add", "Mul", "Mul", "Sum", "Tanh"]
    leaves = {n["label"]: n for n in d["nodes"] if n["kind"] == "leaf"}
    assert set(leaves) == {"a", "b"} and leaves["b"]["shape"] == [2]
    assert leaves["a"]["dtype"] == "float64"
    # a->Mul, b->Mul, Mul->Tanh, Tanh->Mul twice (h * h), Tanh->Add, Mul->Add, Add->Sum
    assert len(d["edges"]) == 8
    tanh = next(n for n in d["nodes"] if n["op"] == "Tanh")
    assert sum(e["src"] == tanh["id"] for e in d["edges"]) == 3
    assert "1 - out^2" in tanh["formula"]          # the op's docstring: its backward formula
    assert d["nodes"][d["root"]]["op"] == "Sum" and d["nodes"][d["root"]]["root"]


def test_replay_order_is_the_engines_and_topological():
    a, b, h, loss = shared_use()
    d = graph_data(loss)
    order = [d["nodes"][s["node"]] for s in d["steps"]]
    assert len(order) == len(d["nodes"])            # every node gets a gradient here
    seen = engine_order(loss, [h, a, b])
    label = {id(a): "a", id(b): "b"}
    want = [label.get(id(t), "Tanh") for t in seen]
    got = [n["label"] or n["op"] for n in order if (n["label"] or n["op"]) in ("a", "b", "Tanh")]
    assert got == want
    position = {s["node"]: k for k, s in enumerate(d["steps"])}
    for e in d["edges"]:  # a node runs only after every use of it has sent its gradient
        assert position[e["dst"]] < position[e["src"]]


def test_replayed_gradients_equal_backward_and_sums_of_contributions():
    a, b, h, loss = shared_use()
    h.retain_grad()
    d = graph_data(loss)
    assert a.grad is None and b.grad is None         # the replay leaves .grad alone
    loss.backward()
    byname = {n["label"] or n["op"]: n for n in d["nodes"]}
    for name, t in (("a", a), ("b", b), ("Tanh", h)):
        s = byname[name]["grad"]
        assert s["shape"] == list(t.shape)
        np.testing.assert_allclose(s["mean"], t.grad.data.mean(), rtol=1e-12)
        np.testing.assert_allclose(s["norm"], np.linalg.norm(t.grad.data), rtol=1e-12)
        np.testing.assert_allclose(s["min"], t.grad.data.min(), rtol=1e-12)
    tanh = byname["Tanh"]
    step = next(s for s in d["steps"] if s["node"] == tanh["id"])
    assert len(step["summed"]) == 3                  # h * h (twice) and + h
    contributions = sum(d["edges"][e]["grad"]["mean"] for e in step["summed"])
    np.testing.assert_allclose(contributions, tanh["grad"]["mean"], rtol=1e-12)
    assert [d["edges"][e]["dst"] for e in step["produces"]] == [tanh["id"]]


def test_contributions_are_reduced_to_the_inputs_shape():
    *_, loss = shared_use()
    d = graph_data(loss)
    b_node = next(n for n in d["nodes"] if n["label"] == "b")
    edge = next(e for e in d["edges"] if e["src"] == b_node["id"])
    assert edge["grad"]["shape"] == [2]              # broadcast (2, 2) summed back to (2,)
    assert edge["grad"]["mean"] == pytest.approx(b_node["grad"]["mean"], rel=1e-12)


def test_values_saved_inputs_and_what_the_graph_let_go():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    w = tg.Tensor(np.ones((3, 2)), requires_grad=True, name="w")
    loss = (x @ w).exp().sum()
    d = graph_data(loss)
    mm = next(n for n in d["nodes"] if n["op"] == "Matmul")
    exp = next(n for n in d["nodes"] if n["op"] == "Exp")
    assert [s["kept"] for s in mm["saved"]] == [True, True]
    assert mm["value"] is None                       # exp saves its output, not its input
    assert exp["value"]["max"] == pytest.approx(np.exp(12.0))
    assert exp["value"]["heat"]["rows"] == 2 and exp["value"]["heat"]["cols"] == 2


def test_summary_shrinks_big_arrays_to_a_small_heat_map():
    s = summarize(np.arange(300 * 1000, dtype=np.float32).reshape(300, 1000))
    assert (s["heat"]["rows"], s["heat"]["cols"]) == (24, 48) and not s["heat"]["exact"]
    assert max(s["heat"]["cells"]) == 99 and s["size"] == 300_000
    assert summarize(np.array(2.5))["mean"] == 2.5 and "heat" not in summarize(np.array(2.5))
    assert summarize(np.array([np.nan, 1.0]))["nonfinite"] == 1


def test_freed_graph_and_non_scalar_output_are_said_not_replayed():
    _, _, h, loss = shared_use()
    loss.backward()
    d = graph_data(loss)
    assert d["steps"] == [] and "freed" in d["notes"][0]
    _, _, h, loss = shared_use()
    assert graph_data(h)["steps"] == [] and "gradient=" in graph_data(h)["notes"][0]
    d = graph_data(h, gradient=np.ones((2, 2)))
    assert len(d["steps"]) == 4


def test_replay_keeps_the_users_hooks_and_anomaly_mode():
    _, _, h, loss = shared_use()
    calls = []
    h.register_hook(lambda g: calls.append(1))
    with detect_anomaly():
        graph_data(loss)
        assert tg.autograd.is_anomaly_enabled()
    assert not tg.autograd.is_anomaly_enabled()
    assert calls == [1] and len(h.grad_fn.hooks) == 1
    loss.backward()                                  # the graph is still there
    assert calls == [1, 1]


ARTICLES = {  # article: (sizes, activation, output activation, batch, loss)
    "000": ((256, 30, 20, 10), "sigmoid", None, 1493, nn.BCEWithLogitsLoss),
    "001": ((64, 200, 10), "sigmoid", None, 1, nn.CrossEntropyLoss),
    "002": ((784, 32, 10), "relu", "relu", 1, nn.CrossEntropyLoss),
    "003": ((400, 25, 10), "sigmoid", None, 4000, nn.BCEWithLogitsLoss),
    "004": ((12288, 20, 7, 5, 1), "relu", None, 209, nn.BCEWithLogitsLoss),
}


def article_loss(article: str):
    sizes, act, out_act, batch, loss_cls = ARTICLES[article]
    tg.manual_seed(0)
    model = common.mlp(sizes, act, output_activation=out_act)
    x = tg.rand(batch, sizes[0])
    loss_fn = loss_cls()
    if loss_cls is nn.CrossEntropyLoss:
        y = tg.Tensor(np.arange(batch) % sizes[-1])
    else:
        y = tg.Tensor((np.arange(batch * sizes[-1]) % 2).reshape(batch, sizes[-1])
                      .astype(np.float32))
    with graph.track_modules(model, loss=loss_fn) as modules:
        loss = loss_fn(model(x), y)
        if article in ("000", "003"):
            loss = loss + 0.01 * sum((m.weight ** 2).sum() for m in common.linear_layers(model))
    return model, loss, modules


@pytest.mark.parametrize("article", sorted(ARTICLES))
def test_article_networks_at_real_size_group_by_module(article, tmp_path):
    model, loss, modules = article_loss(article)
    text = graph.explore(loss, tmp_path / "g.html", modules=modules)
    assert len(text) < 1_500_000                     # summaries, never whole arrays
    d = page_data(text)
    names = {name for name, _ in model.named_modules() if name}
    groups = {g["name"]: g["label"] for g in d["groups"]}
    assert names <= set(groups) and groups["0"] == "0: Linear"
    for n in d["nodes"]:
        if n["label"] and n["kind"] == "leaf" and n["label"][0].isdigit():
            assert n["group"] == n["label"].rpartition(".")[0]   # "2.weight" in module "2"
    assert {n["group"] for n in d["nodes"] if n["op"] == "LinearFunction"} == {
        name for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    loss.backward()
    for name, p in model.named_parameters():         # the replay's gradients are .grad's
        s = next(n for n in d["nodes"] if n["label"] == name)["grad"]
        np.testing.assert_allclose(s["norm"], np.linalg.norm(p.grad.data.astype(np.float64)),
                                   rtol=1e-5)


def test_page_is_self_contained(tmp_path):
    _, _, h, loss = shared_use()
    text = graph.explore(loss, tmp_path / "sub" / "g.html", names={"h": h})
    assert (tmp_path / "sub" / "g.html").read_text(encoding="utf-8") == text
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    assert re.findall(r"https?://[^\s\"'<>]+", text) == ["http://www.w3.org/2000/svg"]
    assert "h" in {n["label"] for n in page_data(text)["nodes"]}


def test_graph_displays_itself_in_a_notebook(monkeypatch):
    *_, loss = shared_use()
    g = graph.Graph(loss)
    assert repr(g) == "<Graph of <SumBackward> (): 5 ops>"
    html = g._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "graph-data" in html
    assert 'sandbox="allow-scripts"' in html
    if shutil.which("dot"):
        assert g._repr_svg_().lstrip().startswith(("<?xml", "<svg"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert g._repr_svg_() is None                    # Jupyter falls back to the text


def test_tensor_repr_html_is_a_compact_summary():
    x = tg.Tensor(np.array([[1.0, -2.0], [3.0, 4.0]]), requires_grad=True)
    y = (x * 2).sum()
    html = y._repr_html_()
    assert "grad_fn" in html and "&lt;SumBackward&gt;" in html and "float64" in html
    assert "12" in html                              # the value
    html = x._repr_html_()
    assert "(2, 2)" in html and "requires_grad" in html and "mean" in html and "<script" not in html
    assert "&lt;b&gt;" in tg.Tensor(np.zeros(1), name="<b>")._repr_html_()
