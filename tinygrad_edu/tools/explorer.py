"""The interactive graph explorer: one self-contained HTML page of a recorded graph.

`graph_data` turns the graph of ``output`` into plain data (the page's only input):

* ``nodes``: every node reachable from ``output`` (op nodes and leaves), with its op, output
  shape and dtype, module group, the op's backward formula (its docstring), a summary of its
  value (statistics and a small heat map), of its saved inputs and of its gradient;
* ``edges``: input node -> op node, per argument slot, with the gradient that op's backward
  sent along it;
* ``steps``: the backward pass in the engine's own order.  It is recorded from a real run of
  the engine, not re-derived: `autograd.grad` runs the pass (``retain_graph=True``, no
  ``.grad`` is touched), a hook on every node notes when the engine reaches it and the
  gradient it has summed there (tensor hooks run exactly then), and the engine's per-node
  check (the one ``detect_anomaly`` uses) notes what each op's backward hands its inputs.

`page` wraps that data, the script and the stylesheet (``explorer.js``/``explorer.css``,
inlined) into one HTML file: no server, no network.  `track_modules` records which module
made which op during a forward pass, so that the page can fold each module into one box.
"""

from __future__ import annotations

import contextlib
import html
import inspect
import json
import math
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import numpy as np

from ..autograd import (
    Function,
    FunctionCtx,
    _fit_grad,  # the engine's own: a gradient to its input's shape/dtype
    grad,
    set_anomaly_hooks,
)
from ..nn import Module
from ..tensor import Tensor

HEAT_ROWS, HEAT_COLS = 24, 48  # the largest heat map (block means beyond that)
LEAF_FORMULA = "leaf: the engine adds the gradient it receives into .grad (AccumulateGrad)"


# ----------------------------------------------------------------------------- summaries
def _block_means(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``a`` (2-D) shrunk to at most rows x cols by averaging blocks."""
    for axis, n in ((0, rows), (1, cols)):
        if a.shape[axis] > n:
            starts = np.linspace(0, a.shape[axis], n + 1).astype(int)[:-1]
            a = np.add.reduceat(a, starts, axis=axis) / np.diff(
                np.append(starts, a.shape[axis])).reshape((-1, 1) if axis == 0 else (1, -1))
    return a


def summarize(a: Any) -> dict | None:
    """Statistics and a heat map of an array (None for anything else).

    The heat map is the array as 2-D (1-D: one row; N-D: all leading axes as rows), shrunk
    by block means to at most HEAT_ROWS x HEAT_COLS and quantised to integers -99..99 of
    its largest absolute entry (the page colours them blue-white-red).
    """
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biufc":
        return None
    a64 = np.asarray(a.real if a.dtype.kind == "c" else a, dtype=np.float64)
    finite = a64[np.isfinite(a64)]
    info: dict[str, Any] = {"shape": list(a.shape), "dtype": a.dtype.name, "size": int(a.size),
                            "nonfinite": int(a64.size - finite.size)}
    if finite.size:
        info.update(min=float(finite.min()), max=float(finite.max()),
                    mean=float(finite.mean()), std=float(finite.std()),
                    norm=float(np.sqrt(np.square(finite).sum())))
    preview = np.array2string(a, threshold=8, edgeitems=2, precision=4, separator=", ")
    preview = " ".join(preview.split())
    info["preview"] = preview if len(preview) <= 120 else preview[:119] + "…"
    if a.ndim >= 1 and a.size:
        flat = np.where(np.isfinite(a64), a64, 0.0).reshape(-1, a.shape[-1])
        small = _block_means(flat, HEAT_ROWS, HEAT_COLS)
        top = float(np.abs(small).max())
        cells = np.rint(small / top * 99).astype(int) if top > 0 else np.zeros_like(small, int)
        info["heat"] = {"rows": small.shape[0], "cols": small.shape[1], "scale": top,
                        "exact": small.shape == flat.shape, "cells": cells.ravel().tolist()}
    return info


def backward_formula(node: Any) -> str:
    """The op's docstring (forward and backward maths, by the project's convention)."""
    if isinstance(node, Tensor):
        return LEAF_FORMULA
    cls: Any = node.fn if isinstance(node, FunctionCtx) else type(node)
    doc = inspect.getdoc(cls) or ""
    if isinstance(node, FunctionCtx):
        doc = inspect.getdoc(cls.backward) or doc
    return doc or f"{cls.__name__}: no docstring"


# ----------------------------------------------------------------------------- modules
class ModuleTracker:
    """Which module made which op: filled by `track_modules` during a forward pass.

    ``group[id(node)]`` is the dotted name of the innermost module (as ``named_modules``
    names it) whose call recorded ``node``; parameters belong to the module that owns them.
    The tracker holds the nodes it saw (their ids are its keys): drop it with the graph.
    """

    def __init__(self) -> None:
        self.group: dict[int, str] = {}
        self.kinds: dict[str, str] = {}       # module name -> class name
        self.param_names: dict[int, str] = {}  # id(parameter) -> dotted name
        self._keep: list[Any] = []             # the nodes, so their ids stay theirs

    def _claim(self, name: str, inputs: tuple, output: Any) -> None:
        """Give ``name`` every unclaimed op between the call's inputs and its output."""
        stop = {id(a._ctx or a) for a in _tensors(inputs) if a.requires_grad}
        stack: list[Any] = [t._ctx for t in _tensors((output,)) if t._ctx is not None]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            k = id(node)
            if k in seen or k in stop or isinstance(node, Tensor) or node.next is None:
                continue
            seen.add(k)
            owner = self.group.get(k)
            if owner is None:
                self.group[k] = name
                self._keep.append(node)
            elif not _inside(owner, name):
                continue  # another module's op reached through a captured tensor
            stack.extend(p for p in node.next if p is not None)


def _inside(name: str, outer: str) -> bool:
    return outer == "" or name == outer or name.startswith(outer + ".")


def _tensors(values: Any) -> Iterator[Tensor]:
    for v in values:
        if isinstance(v, Tensor):
            yield v
        elif isinstance(v, list | tuple):
            yield from _tensors(v)


@contextlib.contextmanager
def track_modules(model: Module, **extra: Module) -> Iterator[ModuleTracker]:
    """Record, during the ``with`` block, which of ``model``'s modules made each op.

    ``extra`` names more modules (a loss: ``track_modules(model, loss=loss_fn)``).  Hand
    the tracker to ``explore(..., modules=tracker)``: the page folds each module's ops into
    one box labelled with its ``named_modules`` name and class.
    """
    tracker = ModuleTracker()
    roots = [("", model), *extra.items()]
    handles = []
    for prefix, root in roots:
        for name, m in root.named_modules():
            full = ".".join(p for p in (prefix, name) if p)
            tracker.kinds[full] = type(m).__name__
            handles.append(m.register_forward_hook(
                lambda mod, args, out, full=full: tracker._claim(full, args, out)))
        for pname, p in root.named_parameters():
            full = ".".join(x for x in (prefix, pname) if x)
            tracker.param_names.setdefault(id(p), full)
            tracker.group.setdefault(id(p), full.rpartition(".")[0])  # its owner module
            tracker._keep.append(p)
    try:
        yield tracker
    finally:
        for h in handles:
            h.remove()


# ----------------------------------------------------------------------------- the data
def walk(root: Any) -> tuple[list[Any], bool]:
    """Every node reachable from ``root`` (depth-first from the output) and whether part
    of the graph was already freed by a backward."""
    order, seen, freed = [], set(), False
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        if isinstance(node, Tensor):
            continue
        if node.next is None:
            freed = True
            continue
        stack.extend(reversed([p for p in node.next if p is not None]))
    return order, freed


class _Recorder:
    """The engine's run, seen through its hooks: order, received and sent gradients."""

    def __init__(self) -> None:
        self.order: list[int] = []                       # ids, as the engine reached them
        self.received: dict[int, np.ndarray] = {}
        self.sent: dict[int, tuple] = {}                 # id(op) -> its backward's results

    def reached(self, node: Any) -> Any:
        def hook(g: Tensor) -> None:
            self._note(node)
            self.received[id(node)] = np.array(g.data)
        return hook

    def _note(self, node: Any) -> None:
        if not self.order or self.order[-1] != id(node):
            self.order.append(id(node))

    def check(self, node: Function, in_grads: tuple) -> None:
        self._note(node)
        self.sent[id(node)] = tuple(in_grads)


def _replay(output: Tensor, nodes: list[Any], gradient: Any) -> _Recorder:
    """Run the engine's backward pass from ``output`` once, recording it (see module doc)."""
    rec = _Recorder()
    installed = []
    for n in nodes:
        if getattr(n, "out_dtype", None) is None and not isinstance(n, Tensor):
            continue  # a multi-output custom Function's node: the check sees it
        hooks = n.hooks
        n.hooks = [*(hooks or []), rec.reached(n)]
        installed.append((n, hooks))
    previous = set_anomaly_hooks(True)
    chained = previous[2] if previous[0] else None

    def check(node: Function, in_grads: tuple) -> None:
        if chained is not None:
            chained(node, in_grads)  # the user's detect_anomaly keeps working
        rec.check(node, in_grads)

    set_anomaly_hooks(True, check=check)
    try:
        leaves = [n for n in nodes if isinstance(n, Tensor)]
        grad(output, leaves, gradient, retain_graph=True, allow_unused=True)
    finally:
        set_anomaly_hooks(*previous)
        for n, hooks in installed:
            n.hooks = hooks
    return rec


def _saved_by_users(nodes: list[Any]) -> dict[int, np.ndarray]:
    """id(node) -> its value as one of its users saved it (an op's saved input)."""
    found: dict[int, np.ndarray] = {}
    for user in nodes:
        if isinstance(user, Tensor) or not user.next or not user.inputs:
            continue
        for p, a in zip(user.next, user.inputs):
            if p is not None and isinstance(a, np.ndarray):
                found.setdefault(id(p), a)
    return found


def _value(node: Any, output: Tensor, known: dict[int, Tensor],
           saved: dict[int, np.ndarray]) -> np.ndarray | None:
    """The node's output value, if the graph (or the caller) still holds it."""
    if isinstance(node, Tensor):
        return node.data
    if id(node) in known:
        return known[id(node)].data
    if node is output._ctx:
        return output.data
    for cand in (node.retained, getattr(node, "out", None)):
        if isinstance(cand, Tensor):
            return cand.data
        if isinstance(cand, np.ndarray) and cand.shape == node.out_shape:
            return cand
    return saved.get(id(node))


def graph_data(output: Tensor, names: Mapping[str, Tensor] | None = None,
               modules: ModuleTracker | None = None, gradient: Any = None,
               title: str | None = None) -> dict:
    """The data the explorer page is drawn from (see the module docstring).

    ``names`` labels tensors (leaves or intermediates); ``modules`` (from `track_modules`)
    groups ops by module; ``gradient`` is d(loss)/d(output) for a non-scalar output (the
    backward replay is left out when it is missing for one, or when the graph was freed).
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"explore: expected the Tensor whose graph to show, got "
                        f"{type(output).__name__}")
    root = output._ctx or output
    nodes, freed = walk(root)
    index = {id(n): i for i, n in enumerate(nodes)}
    saved_values = _saved_by_users(nodes)
    known = {id(t._ctx or t): t for t in (names or {}).values()}
    label_of = {id(t._ctx or t): k for k, t in (names or {}).items()}
    notes = []
    rec = None
    if not output.requires_grad:
        notes.append("this tensor does not require grad: there is no backward pass to replay")
    elif freed:
        notes.append("part of this graph was freed by backward(): shown as far as it goes, "
                     "without the replay (backward(retain_graph=True) keeps it)")
    elif gradient is None and output.data.size != 1:
        notes.append(f"the output has shape {output.shape}: pass gradient= (d loss / d "
                     f"output) to replay the backward pass")
    else:
        rec = _replay(output, nodes, gradient)

    groups = modules.group if modules is not None else {}
    pnames = modules.param_names if modules is not None else {}
    out_nodes = []
    for i, n in enumerate(nodes):
        leaf = isinstance(n, Tensor)
        shape = n.shape if leaf else n.out_shape
        dtype = n.dtype if leaf else n.out_dtype
        label = (label_of.get(id(n)) or pnames.get(id(n))
                 or (n.name if leaf else (n.retained.name if n.retained is not None else None))
                 or (getattr(known.get(id(n)), "name", None)))
        op = "leaf" if leaf else (repr(n)[1:-len("Backward>")] or type(n).__name__)
        saved = []
        if not leaf and n.next is not None:
            for slot, p in enumerate(n.next):
                a = n.inputs[slot] if n.inputs and slot < len(n.inputs) else None
                saved.append({"slot": slot, "node": index.get(id(p)) if p is not None else None,
                              "kept": isinstance(a, np.ndarray),
                              "summary": summarize(a) if p is None else None,
                              "constant": None if isinstance(a, np.ndarray) or a is None
                              else repr(a)[:80]})
        out_nodes.append({
            "id": i, "kind": "leaf" if leaf else "op", "op": op, "label": label,
            "shape": list(shape) if shape is not None else None,
            "dtype": np.dtype(dtype).name if dtype is not None else None,
            "requires_grad": bool(n.requires_grad) if leaf else True,
            "root": n is root, "group": groups.get(id(n)),
            "formula": backward_formula(n),
            "value": summarize(_value(n, output, known, saved_values)),
            "saved": saved,
            "grad": summarize(rec.received.get(id(n))) if rec else None,
        })
    edges: list[dict[str, Any]] = []
    for n in nodes:
        if isinstance(n, Tensor) or n.next is None:
            continue
        sent = rec.sent.get(id(n)) if rec else None
        for slot, p in enumerate(n.next):
            if p is None:
                continue
            g = sent[slot] if sent is not None and slot < len(sent) else None
            if isinstance(g, np.ndarray) and getattr(p, "out_dtype", None) is not None:
                g = _fit_grad(g, p, n)
            edges.append({"id": len(edges), "src": index[id(p)], "dst": index[id(n)],
                          "slot": slot, "grad": summarize(g)})
    summed: dict[int, list[int]] = {}    # node -> the gradients its uses sent it
    produces: dict[int, list[int]] = {}  # op -> the gradients its backward sent
    for e in edges:
        if e["grad"] is not None:
            summed.setdefault(e["src"], []).append(e["id"])
            produces.setdefault(e["dst"], []).append(e["id"])
    steps = [{"node": index[k], "summed": summed.get(index[k], []),
              "produces": produces.get(index[k], [])} for k in (rec.order if rec else [])]
    group_list = []
    if modules is not None:
        used = {g for g in groups.values() if g is not None}
        for name in sorted(used | {p for g in used for p in _parents(g)}):
            kind = modules.kinds.get(name, "")
            group_list.append({"name": name, "label": f"{name or 'model'}: {kind}".strip()})
    default = (f"graph of {output.grad_fn or 'a leaf'} · output {tuple(output.shape)} "
               f"{output.dtype}")
    return {"title": title or default,
            "nodes": out_nodes, "edges": edges, "steps": steps, "groups": group_list,
            "notes": notes, "root": index[id(root)]}


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


# ----------------------------------------------------------------------------- the page
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _json(data: dict) -> str:
    """JSON safe inside a <script> element (no '</' can end it), without NaN."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False,
                      default=lambda o: None)
    return text.replace("</", "<\\/")


def _finite(data: Any) -> Any:
    """NaN/inf (statistics of empty or odd arrays) as null, for strict JSON."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


def page(data: dict) -> str:
    """The self-contained HTML page of `graph_data`'s ``data``."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        f"<title>{html.escape(data['title'])}</title>\n"
        f"<style>\n{_asset('explorer.css')}</style></head>\n<body>\n"
        "<noscript>This page draws the graph with JavaScript; the static picture is "
        "tinygrad_edu.tools.graph.render().</noscript>\n"
        f"<script id=\"graph-data\" type=\"application/json\">{_json(_finite(data))}</script>\n"
        f"<script>\n{_asset('explorer.js')}</script>\n</body></html>\n")
