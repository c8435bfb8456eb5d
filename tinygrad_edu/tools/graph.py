"""Pictures of the recorded graph: Graphviz DOT text, and rendering it with the ``dot`` program.

The graph is drawn in the direction data flows: leaf tensors (blue boxes) -> op nodes
(grey ellipses, the op's name) -> the tensor each op made (boxes with shape and dtype) ->
the ops that use it.  A tensor is labelled with its ``name`` attribute or with the key it
has in the ``names`` mapping (``to_dot(loss, names={"w": w, "h": h})``, intermediates too);
after ``backward()`` leaves (and tensors that called ``retain_grad()``) show their ``.grad``,
abbreviated.  The walk is iterative, so graphs of any depth draw.

``backward()`` frees the graph as it goes (unless ``retain_graph=True``): what can no
longer be reached is replaced by a dashed note saying so.

`explore` writes the interactive view instead (one self-contained HTML file, see
``explorer.py``): click a node for its value, saved inputs, gradient and backward formula,
and step through the backward pass in the engine's order.  `Graph` shows itself that way in
a notebook (``_repr_html_``), with the Graphviz picture and the DOT text as fallbacks.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .explorer import ModuleTracker, graph_data, page, track_modules, walk

__all__ = ["FORMATS", "Graph", "GraphvizNotFoundError", "explore", "render", "to_dot",
           "track_modules"]

FORMATS = ("svg", "png", "pdf")
_FREED = ("inputs freed by backward()\\n"
          "(backward(retain_graph=True) keeps the graph drawable)")


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is not on PATH."""


def _quote(text: str) -> str:
    """A DOT string literal: backslashes and quotes escaped, newlines as \\n."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _abbrev(values: np.ndarray) -> str:
    """At most a few entries of an array, 3 significant digits."""
    return np.array2string(values, threshold=6, edgeitems=2, separator=", ",
                           formatter={"float_kind": lambda v: f"{v:.3g}"}).replace("\n", "")


def _tensor_label(name: str | None, shape: tuple[int, ...], dtype: np.dtype,
                  tensor: Tensor | None, show_grad: bool) -> str:
    lines = [name] if name else []
    lines.append(f"{tuple(shape)} {np.dtype(dtype).name}")
    if show_grad and tensor is not None and tensor.grad is not None:
        lines.append(f"grad {_abbrev(tensor.grad.data)}")
    return "\n".join(lines)


def to_dot(tensor: Tensor, names: Mapping[str, Tensor] | None = None,
           show_grad: bool = True) -> str:
    """Graphviz DOT text of the graph that produced ``tensor``.

    ``names`` maps labels to tensors of the graph (leaves or intermediates);
    ``show_grad`` adds the abbreviated ``.grad`` of the tensors that have one.
    """
    known: dict[int, Tensor] = {}     # id of a node -> a tensor it stands for
    labels: dict[int, str] = {}       # id of a node -> the user's name for its tensor
    for label, t in (names or {}).items():
        node = t._ctx or t
        known[id(node)], labels[id(node)] = t, label
    root = tensor._ctx or tensor
    known.setdefault(id(root), tensor)

    keys: dict[int, int] = {}

    def key(node: object) -> int:
        return keys.setdefault(id(node), len(keys))

    lines = ["digraph tinygrad_edu {",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [arrowsize=0.7];']
    nodes, freed = walk(root)
    for node in nodes:
        k = key(node)
        if isinstance(node, Tensor):  # a leaf
            name = labels.get(id(node), node.name)
            text = _tensor_label(name, node.shape, node.dtype, node, show_grad)
            fill = "lightblue" if node.requires_grad else "white"
            lines.append(f"  t{k} [shape=box, style=filled, fillcolor={fill}, "
                         f"label={_quote(text)}];")
            continue
        out = known.get(id(node), node.retained)
        name = labels.get(id(node)) or (out.name if out is not None else None)
        text = _tensor_label(name, node.out_shape, node.out_dtype, out, show_grad)
        root_style = ", penwidth=2" if node is root else ""
        lines.append(f"  f{k} [shape=ellipse, style=filled, fillcolor=lightgrey, "
                     f"label={_quote(type(node).__name__)}];")
        lines.append(f"  t{k} [shape=box{root_style}, label={_quote(text)}];")
        lines.append(f"  f{k} -> t{k};")
        if node.next is None:
            lines.append(f'  freed{k} [shape=note, style=dashed, label="{_FREED}"];')
            lines.append(f"  freed{k} -> f{k} [style=dashed];")
            continue
        for p in node.next:
            if p is not None:
                lines.append(f"  t{key(p)} -> f{k};")
    if freed:
        lines.append('  label="part of this graph was freed by backward(): drawn as far as '
                     'it goes"; labelloc=t;')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensor: Tensor, path: str | Path, format: str | None = None,
           names: Mapping[str, Tensor] | None = None, show_grad: bool = True) -> Path:
    """Draw the graph of ``tensor`` into ``path`` with Graphviz's ``dot`` program.

    ``format`` is "svg", "png" or "pdf" (default: the file's suffix).  Raises
    `GraphvizNotFoundError` when ``dot`` is not installed.
    """
    path = Path(path)
    format = (format or path.suffix.lstrip(".") or "svg").lower()
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(
            "render: the Graphviz program `dot` is not on PATH. Install Graphviz itself "
            "(Debian/Ubuntu: `sudo apt-get install graphviz`; macOS: `brew install graphviz`; "
            "conda: `conda install graphviz`; Windows: https://graphviz.org/download/) -- "
            "no Python package is needed, tinygrad_edu runs the program. Meanwhile "
            "`tinygrad_edu.tools.graph.to_dot(tensor)` returns the DOT text, which any "
            "Graphviz viewer (desktop or online) can draw.")
    path.parent.mkdir(parents=True, exist_ok=True)
    _dot(to_dot(tensor, names, show_grad), f"-T{format}", "-o", str(path))
    return path


def _dot(text: str, *args: str) -> str:
    """Run Graphviz's ``dot`` (which must be on PATH) on DOT ``text``; its output."""
    done = subprocess.run([shutil.which("dot") or "dot", *args], input=text, text=True,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"render: `dot` failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def explore(output: Tensor, path: str | Path | None = "graph.html",
            names: Mapping[str, Tensor] | None = None, modules: ModuleTracker | None = None,
            gradient: object = None, title: str | None = None) -> str:
    """Write the interactive explorer of ``output``'s graph to ``path``; returns the HTML.

    One self-contained file (scripts and styles inlined; works from file:// and in a
    notebook).  The backward pass is replayed from a run of the engine that leaves every
    ``.grad`` as it was (``retain_graph=True``).  ``names`` labels tensors; ``modules``
    (``with track_modules(model) as modules: loss = ...``) folds each module into one box;
    ``gradient`` is d(loss)/d(output) for a non-scalar output.  ``path=None`` writes nothing.
    """
    text = page(graph_data(output, names, modules, gradient, title))
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    return text


class Graph:
    """The recorded graph of ``output``, displayed in a notebook.

    ``_repr_html_`` is the explorer (in an isolated frame), ``_repr_svg_`` the Graphviz
    picture (None without Graphviz, so the notebook falls back to the text), ``repr`` a
    one-line summary.  `explore` and `to_dot` take the same arguments.
    """

    def __init__(self, output: Tensor, names: Mapping[str, Tensor] | None = None,
                 modules: ModuleTracker | None = None, gradient: object = None) -> None:
        self.output, self.names, self.modules, self.gradient = output, names, modules, gradient

    def __repr__(self) -> str:
        ops = sum(not isinstance(n, Tensor) for n in walk(self.output.grad_fn or self.output)[0])
        return (f"<Graph of {self.output.grad_fn or 'a leaf'} {tuple(self.output.shape)}: "
                f"{ops} ops>")

    def _repr_html_(self) -> str:
        doc = explore(self.output, None, self.names, self.modules, self.gradient)
        return (f'<iframe srcdoc="{html.escape(doc, quote=True)}" '
                f'style="width:100%;height:640px;border:1px solid #ccc" '
                f'sandbox="allow-scripts"></iframe>')

    def _repr_svg_(self) -> str | None:
        if shutil.which("dot") is None:
            return None
        return _dot(to_dot(self.output, self.names), "-Tsvg")
