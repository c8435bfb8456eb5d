"""``tinygrad-edu compile --show article NNN``: the compiled training step of an article's
network beside the article's own backprop formulas.

For each of the five articles (``docs/articles.md``) `show`
builds the article's network at its own layer sizes (``nn.Linear`` layers ``fc1, fc2 ...``,
the article's activations, loss, L2 term and plain gradient-descent step), writes the
training step as a learner would (``zero_grad``, forward, loss, ``backward``,
``optimizer.step``), compiles it with `tinygrad_edu.compile` and runs it on a small
synthetic batch until the program exists.  It returns the program's source and the
article's formulas -- in the article's notation, each with the program lines that compute
it (found by `program_parts.parts` from the program's dataflow) -- and the places where
the program does not do what the article wrote.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from .. import nn, optim
from ..compiler import compile as compile_step
from ..random import manual_seed
from ..tensor import Tensor
from .program_parts import parts, ranges

Part = tuple  # ("z", 1), ("loss",), ("delta", 2), ("dW", 2), ("db", 2), ("update",)


class ShowError(ValueError):
    """An article, batch or dtype `show` cannot take."""


class Network(nn.Module):
    """``fc1 ... fcL`` (``nn.Linear``), ``hidden`` after each but the last, ``output`` (if
    any) after the last: logits (N, sizes[-1]) of inputs (N, sizes[0])."""

    def __init__(self, sizes: tuple[int, ...], hidden: Callable[[Tensor], Tensor],
                 output: Callable[[Tensor], Tensor] | None = None) -> None:
        super().__init__()
        self.depth = len(sizes) - 1
        for l, (n_in, n_out) in enumerate(pairwise(sizes), 1):
            setattr(self, f"fc{l}", nn.Linear(n_in, n_out))
        self.hidden, self.output = hidden, output

    def forward(self, x: Tensor) -> Tensor:
        for l in range(1, self.depth + 1):
            x = getattr(self, f"fc{l}")(x)
            if l < self.depth:
                x = self.hidden(x)
        return x if self.output is None else self.output(x)


def training_step(model: nn.Module, cost: Callable[[Tensor, Tensor], Tensor],
                  optimizer: optim.Optimizer) -> Callable[[Tensor, Tensor], Tensor]:
    """One gradient-descent step, as a learner writes it."""
    def step(x: Tensor, y: Tensor) -> Tensor:
        optimizer.zero_grad()
        loss = cost(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def cost_and_gradient(model: nn.Module, cost: Callable[[Tensor, Tensor], Tensor]
                      ) -> Callable[[Tensor, Tensor], Tensor]:
    """The cost and its gradient (left in ``.grad``): what SciPy's optimiser asks for."""
    def step(x: Tensor, y: Tensor) -> Tensor:
        model.zero_grad()
        loss = cost(model(x), y)
        loss.backward()
        return loss
    return step


@dataclass(frozen=True)
class Formula:
    """One of the article's formulas, in its notation, and the program part computing it."""

    part: Part
    text: str


@dataclass(frozen=True)
class ArticleStep:
    """What `show` needs of an article: network, cost, step, and the article's maths."""

    title: str
    sizes: tuple[int, ...]
    hidden: Callable[[Tensor], Tensor]
    output_relu: bool
    targets: str                    # "classes" (indices), "one-hot", "binary"
    cost: str                       # the loss as the learner writes it (shown)
    make_cost: Callable[[nn.Module], Callable[[Tensor, Tensor], Tensor]]
    lr: float | None                # None: no optimizer step (SciPy does it)
    batch: int                      # the article's own batch when it is small, else 8
    notation: str
    tags: dict[Part, str]           # the article's symbol for each program part
    formulas: tuple[Formula, ...]
    differences: tuple[str, ...]


def _bce_l2(lambd: float) -> Callable[[nn.Module], Callable[[Tensor, Tensor], Tensor]]:
    """Summed binary cross-entropy of sigmoid(logits) over outputs, mean over samples, +
    lambda/(2m) sum(w^2) without the biases (articles 000 and 003)."""
    def make(model: nn.Module) -> Callable[[Tensor, Tensor], Tensor]:
        def cost(logits: Tensor, y: Tensor) -> Tensor:
            m = len(y)
            return (nn.BCEWithLogitsLoss(reduction="sum")(logits, y) / m
                    + nn.utils.l2_penalty(model, lambd, m))
        return cost
    return make


def _loss(loss: nn.Module) -> Callable[[nn.Module], Callable[[Tensor, Tensor], Tensor]]:
    return lambda model: loss


def _tags(depth: int, z: str, a: str, loss: str, delta: str, dw: str, db: str,
          update: str, first_delta: int = 0) -> dict[Part, str]:
    """Part -> symbol, from patterns with {l} (layer, from 1) and {d} (layer + first_delta)."""
    tags: dict[Part, str] = {("loss",): loss, ("update",): update, ("guard",): "guard"}
    for l in range(1, depth + 1):
        tags[("z", l)] = z.format(l=l, d=l + first_delta)
        tags[("a", l)] = a.format(l=l, d=l + first_delta)
        tags[("delta", l)] = delta.format(l=l, d=l + first_delta)
        tags[("dW", l)] = dw.format(l=l, d=l + first_delta)
        tags[("db", l)] = db.format(l=l, d=l + first_delta)
    return tags


F = Formula
ARTICLES: dict[str, ArticleStep] = {
    "000": ArticleStep(
        "256-30-20-10 sigmoid network, Semeion digits: full-batch gradient descent, step 1",
        (256, 30, 20, 10), nn.functional.sigmoid, False, "one-hot",
        "BCEWithLogitsLoss(reduction='sum')(logits, y) / m + l2_penalty(model, 0.1, m)",
        _bce_l2(0.1), 1.0, 8,
        "rows are samples; Theta_l = [fc_l.bias | fc_l.weight] (bias column first); "
        "a1 = x, g = sigmoid, h = g(z4) the outputs, t the one-hot targets, d4 the "
        "article's deltaOut",
        _tags(3, "z{d}", "a{d}", "J", "d{d}", "dTh{l}", "dTh{l}", "Th-=", first_delta=1),
        (F(("z", 1), "z2 = [1 x] Theta1^T"), F(("a", 1), "a2 = g(z2)"),
         F(("z", 2), "z3 = [1 a2] Theta2^T"), F(("a", 2), "a3 = g(z3)"),
         F(("z", 3), "z4 = [1 a3] Theta3^T"),
         F(("loss",), "J = -(1/m) sum_i sum_j [t log h + (1-t) log(1-h)]"
                      " + lambda/(2m) sum_l sum Theta_l[:, 1:]^2"),
         F(("delta", 3), "d4 = h - t   (the article loops over samples and adds up)"),
         F(("dW", 3), "dJ/dTheta3[:, 1:] = (1/m) d4^T a3 + (lambda/m) Theta3[:, 1:]"),
         F(("db", 3), "dJ/dTheta3[:, 0] = (1/m) sum_i d4"),
         F(("delta", 2), "d3 = (d4 Theta3)[:, 1:] * g(z3)(1 - g(z3))"),
         F(("dW", 2), "dJ/dTheta2[:, 1:] = (1/m) d3^T a2 + (lambda/m) Theta2[:, 1:]"),
         F(("db", 2), "dJ/dTheta2[:, 0] = (1/m) sum_i d3"),
         F(("delta", 1), "d2 = (d3 Theta2)[:, 1:] * g(z2)(1 - g(z2))"),
         F(("dW", 1), "dJ/dTheta1[:, 1:] = (1/m) d2^T x + (lambda/m) Theta1[:, 1:]"),
         F(("db", 1), "dJ/dTheta1[:, 0] = (1/m) sum_i d2"),
         F(("update",), "Theta_l <- Theta_l - dJ/dTheta_l   (the step is the gradient)")),
        ("The program follows the article's code, not its text: the text's rule ((1/m) Delta "
         "for the output layer, (1/m) Delta + (lambda/m) Theta for hidden ones) drops the "
         "penalty's gradient on Theta3 and adds one on the hidden biases, which the cost "
         "does not penalise. The program's penalty gradient reaches every fc_l.weight and "
         "no fc_l.bias.",
         "1/m: the article divides the summed Delta by m at the end; the program starts "
         "the backward from (1/m)(g(z4) - t), so every d already carries it. Same "
         "numbers, other place.",
         "The output delta: the program never forms log(h) nor g'(z4). Its loss works on "
         "the logits (BCE with logits: max(z, 0) - t z + log(1 + exp(-|z|)), finite "
         "where the article's log(1 - h) is -inf) and its backward is g(z4) - t directly; "
         "g(z4) is computed again there because the forward never needed it.",
         "The penalty's gradient (lambda/m) W is the backward of its W * W: one product "
         "per factor, lambda/(2m) each, added to d^T a.",
         "The bias column: [1 a] Theta^T is a @ W^T + b here, and dJ/dTheta splits into "
         "d_fc_weight (d^T a) and d_fc_bias (sum over samples of d).",
         "The per-sample loop: the article adds one outer product per sample; the "
         "program does the whole batch in one matrix product.")),
    "001": ArticleStep(
        "64-200-10, sigmoid hidden, softmax + cross-entropy, 8x8 digits: per-sample SGD, "
        "lr 0.01",
        (64, 200, 10), nn.functional.sigmoid, False, "classes",
        "CrossEntropyLoss()(logits, y)",
        _loss(nn.CrossEntropyLoss()), 0.01, 1,
        "rows are samples; W1 is (64, 200) = fc1.weight^T, b1 = fc1.bias; y one-hot "
        "(the program takes class indices)",
        _tags(2, "z{l}", "a{l}", "loss", "d{d}", "dW{l}", "db{l}", "W-=", first_delta=1),
        (F(("z", 1), "z1 = x W1 + b1"), F(("a", 1), "a1 = sigmoid(z1)"),
         F(("z", 2), "z2 = a1 W2 + b2"),
         F(("loss",), "probs = softmax(z2);  loss = -(1/N) sum log(probs * y)"),
         F(("delta", 2), "d3 = -(y - probs) = probs - y"),
         F(("dW", 2), "dW2 = a1^T d3"), F(("db", 2), "db2 = sum over rows of d3"),
         F(("delta", 1), "d2 = d3 W2^T * a1 (1 - a1)"),
         F(("dW", 1), "dW1 = x^T d2"), F(("db", 1), "db1 = sum over rows of d2"),
         F(("update",), "W <- W - lr dW,  b <- b - lr db   (lr 0.01)")),
        ("Mean against sum: the program differentiates the loss the article prints, a mean "
         "over the N samples, so its d3 is (probs - y) / N; the article's dW = a^T d3 is "
         "the gradient of the summed loss, N times larger. Equal at N = 1, the article's "
         "per-sample training; run with --batch 8 to see the program's 1/N appear.",
         "Softmax and cross-entropy are fused: the loss is computed from the logits with "
         "the max shift (log-softmax), never log(probs * y), whose -inf the article sets "
         "to 0; the backward is probs - y, written as probs with 1 taken off at each "
         "sample's class (the program keeps class indices, not one-hot rows).",
         "Layout: the article's W1 is (64, 200), fc1.weight is (200, 64): d_fc1_weight = "
         "dW1^T. At N = 1 the products x^T d2 are outer products, written by the program "
         "as a column times a row.")),
    "002": ArticleStep(
        "784-32-10, ReLU after both layers, softmax + cross-entropy, binarised MNIST: "
        "per-sample SGD, lr 0.05",
        (784, 32, 10), nn.functional.relu, True, "classes",
        "CrossEntropyLoss()(relu(logits), y)   (the article's ReLU on the output)",
        _loss(nn.CrossEntropyLoss()), 0.05, 1,
        "the article's columns are samples; weights[l] (out, in) is fc_l.weight, biases[l] "
        "(out, 1) is fc_l.bias; the program's rows are samples",
        _tags(2, "z{l}", "a{l}", "cost", "delta{l}", "dW{l}", "db{l}", "W-="),
        (F(("z", 1), "z1 = W1 x + b1"), F(("a", 1), "a1 = relu(z1)"),
         F(("z", 2), "z2 = W2 a1 + b2"),
         F(("loss",), "a2 = relu(z2);  p = exp(a2) / sum exp(a2);  cost = -sum y log p"),
         F(("delta", 2), "delta2 = (p - y) * (z2 > 0)"),
         F(("dW", 2), "weight_gradients[-1] = delta2 a1^T"),
         F(("db", 2), "bias_gradients[-1] = delta2"),
         F(("delta", 1), "delta1 = (W2^T delta2) * (z1 > 0)"),
         F(("dW", 1), "weight_gradients[0] = delta1 x^T"),
         F(("db", 1), "bias_gradients[0] = delta1"),
         F(("update",), "W <- W - 0.05 weight_gradients,  b <- b - 0.05 bias_gradients")),
        ("Autograd writes the article's backprop: its (z > 0) masks are the derivative of "
         "this network (the program masks with relu(z) > 0, the same set). Its relU_prime "
         "helper, z * (z <= 0), is wrong but unused; the output ReLU is the network's "
         "fault, not the derivative's: an output unit with z2 <= 0 gets no gradient.",
         "Softmax: the program subtracts the row maximum before exp (the article's "
         "exp(a2) overflows above ~709) and computes the cost from log-softmax; its "
         "backward is p - y as probabilities with 1 taken off at the sample's class.",
         "Sum against mean: the article's cost is summed over samples, the program's "
         "CrossEntropyLoss averages; at one sample per step (the article's training) "
         "they are the same.")),
    "003": ArticleStep(
        "400-25-10 sigmoid network, scikit-learn-style class, 20x20 digits: cost and "
        "gradient for SciPy's TNC",
        (400, 25, 10), nn.functional.sigmoid, False, "one-hot",
        "BCEWithLogitsLoss(reduction='sum')(logits, y) / m + l2_penalty(model, 1.0, m)",
        _bce_l2(1.0), None, 8,
        "rows are samples; theta_l = [fc_l.bias ; fc_l.weight^T] (bias row first); "
        "a1 = [1 X], h = the output layer",
        _tags(2, "z{d}", "a{d}", "J", "delta{d}", "grad{l}", "grad{l}", "", first_delta=1),
        (F(("z", 1), "z2 = a1 theta1,  a1 = [1 X]"), F(("a", 1), "a2 = [1 g(z2)]"),
         F(("z", 2), "z3 = a2 theta2"),
         F(("loss",), "J = -(1/m) sum [Y log h + (1-Y) log(1-h)] + sum theta[1:]^2 / (2m),"
                      "  h = g(z3)"),
         F(("delta", 2), "delta3 = h - Y"),
         F(("dW", 2), "grad2 = a2^T delta3 / m + (lambda/m) theta2   (weight rows)"),
         F(("db", 2), "grad2[0] = sum delta3 / m + (lambda/m) theta2[0]   (bias row)"),
         F(("delta", 1), "delta2 = (delta3 theta2^T * a2 (1 - a2))[:, 1:]"),
         F(("dW", 1), "grad1 = a1^T delta2 / m + (lambda/m) theta1   (weight rows)"),
         F(("db", 1), "grad1[0] = sum delta2 / m + (lambda/m) theta1[0]   (bias row)")),
        ("No update line: the article hands the cost and the flattened gradient to "
         "scipy.optimize.minimize(method='TNC'), which makes the steps; the compiled "
         "function is that cost-and-gradient evaluation (examples/ng_003.py: "
         "optim.minimize).",
         "The gradient the article hands TNC is not the gradient of the cost it hands TNC: "
         "its code adds (lambda/m) theta to the bias rows too, and its coded cost has no "
         "lambda at all. The program differentiates the cost, so its d_fc_bias has no "
         "penalty term and its d_fc_weight has lambda/m theta with lambda = 1 (the "
         "course's value, where the coded cost and the written one agree).",
         "The output delta h - Y comes from BCE with logits: no log(h), no g'(z3) "
         "(g(z3) is computed again in the backward), and the 1/m is applied once at the "
         "start instead of in each gradient.")),
    "004": ArticleStep(
        "12288-20-7-5-1, ReLU hidden, sigmoid output, cat vs non-cat: full-batch "
        "gradient descent, lr 0.0075",
        (12288, 20, 7, 5, 1), nn.functional.relu, False, "binary",
        "BCEWithLogitsLoss()(logits, y)",
        _loss(nn.BCEWithLogitsLoss()), 0.0075, 8,
        "the article's columns are samples (A_prev is (n, m)); W_l (out, in) is "
        "fc_l.weight, b_l is fc_l.bias; A0 = X, AL = sigmoid(Z4)",
        _tags(4, "Z{l}", "A{l}", "cost", "dZ{l}", "dW{l}", "db{l}", "W-="),
        (F(("z", 1), "Z1 = W1 A0 + b1"), F(("a", 1), "A1 = relu(Z1)"),
         F(("z", 2), "Z2 = W2 A1 + b2"), F(("a", 2), "A2 = relu(Z2)"),
         F(("z", 3), "Z3 = W3 A2 + b3"), F(("a", 3), "A3 = relu(Z3)"),
         F(("z", 4), "Z4 = W4 A3 + b4"),
         F(("loss",), "AL = sigmoid(Z4);  cost = -(1/m) sum [Y log AL + (1-Y) log(1-AL)]"),
         F(("delta", 4), "dAL = -(Y/AL - (1-Y)/(1-AL));  dZ4 = dAL * AL (1 - AL)"),
         F(("dW", 4), "dW4 = dZ4 A3^T / m"), F(("db", 4), "db4 = sum dZ4 / m"),
         F(("delta", 3), "dA3 = W4^T dZ4;  dZ3 = dA3 * (Z3 > 0)"),
         F(("dW", 3), "dW3 = dZ3 A2^T / m"), F(("db", 3), "db3 = sum dZ3 / m"),
         F(("delta", 2), "dA2 = W3^T dZ3;  dZ2 = dA2 * (Z2 > 0)"),
         F(("dW", 2), "dW2 = dZ2 A1^T / m"), F(("db", 2), "db2 = sum dZ2 / m"),
         F(("delta", 1), "dA1 = W2^T dZ2;  dZ1 = dA1 * (Z1 > 0)"),
         F(("dW", 1), "dW1 = dZ1 X^T / m"), F(("db", 1), "db1 = sum dZ1 / m"),
         F(("update",), "W_l <- W_l - 0.0075 dW_l,  b_l <- b_l - 0.0075 db_l")),
        ("The output: the program never forms dAL, which divides by AL and 1 - AL (infinite "
         "once AL rounds to 0 or 1). Sigmoid and binary cross-entropy are fused, so "
         "dZ4 = (AL - Y) / m comes in one line, as the article's two steps simplify to.",
         "1/m: the article divides dW and db by m in every layer (and not dA_prev); the "
         "program puts 1/m once into dZ4, and every later dZ carries it. Same numbers.",
         "The article's formulas are otherwise exactly what autograd writes: dA_prev = "
         "W^T dZ, dZ = dA * (Z > 0) (the program masks with A > 0, the same set).")),
}


@dataclass
class Shown:
    """What `show` returns: the step as written, the program, and the formula table."""

    article: str
    spec: ArticleStep
    step_source: str                # the learner's step function
    source: str                     # the compiled program (``step.source``)
    parts: dict[Part, list[int]]    # program part -> source line numbers

    def text(self, width: int = 100) -> str:
        """The terminal layout: header, the step, the program with the article's symbol of
        each line, the formulas with their line numbers, the differences."""
        spec = self.spec
        order = [f.part for f in spec.formulas]
        tags: dict[int, list[tuple[int, str]]] = {}
        for part, numbers in self.parts.items():
            rank = order.index(part) if part in order else len(order)
            for k in numbers:
                if spec.tags.get(part):
                    tags.setdefault(k, []).append((rank, spec.tags[part]))
        tag_of = {k: ",".join(t for _, t in sorted(v)) for k, v in tags.items()}
        lines = [*textwrap.wrap(f"article {self.article}: {spec.title}", width,
                                subsequent_indent="  "),
                 *textwrap.wrap(f"notation: {spec.notation}", width, subsequent_indent="  "),
                 "",
                 "the training step, as written (tinygrad_edu.compile(step)):", "",
                 textwrap.indent(self.step_source.rstrip(), "    "),
                 f"    # cost = {spec.cost}", "",
                 "the compiled program (step.source); left: the article's symbol of each line",
                 ""]
        tag_width = max((len(t) for t in tag_of.values()), default=0)
        for k, code in enumerate(self.source.rstrip().split("\n"), 1):
            lines.append(f"{k:4} {tag_of.get(k, ''):<{tag_width}} {code}".rstrip())
        lines += ["", "the article's formulas -> program lines", ""]
        rows = [(f.text, self.parts.get(f.part)) for f in spec.formulas]
        rows.append(("(checks of the trace: a new case traces again)",
                     self.parts.get(("guard",))))
        column = min(max(len(text) for text, _ in rows), width - 30)
        for text, where in rows:
            ref = (f"line{'s' if len(where) > 1 else ''} {ranges(where)}" if where
                   else "(not in the program)")
            if len(text) > column:      # a long formula: its lines on the next row
                lines.append(f"  {text}")
                text = ""
            lines.append(f"  {text:<{column}}  {ref}")
        lines += ["", "where the program differs from the article:"]
        for note in spec.differences:
            lines += textwrap.wrap(note, width - 2, initial_indent="- ",
                                   subsequent_indent="  ")
        return "\n".join(lines)


def _targets(kind: str, rng: np.random.Generator, m: int, n_out: int, dtype: Any) -> Tensor:
    if kind == "classes":
        return Tensor(rng.integers(0, n_out, m))
    if kind == "one-hot":
        return Tensor(np.eye(n_out)[rng.integers(0, n_out, m)], dtype=dtype)
    return Tensor(rng.integers(0, 2, (m, n_out)).astype(np.float64), dtype=dtype)


def show(article: str, *, dtype: Any = np.float64, batch: int | None = None,
         seed: int = 0) -> Shown:
    """Compile article ``"000"`` ... ``"004"``'s training step on a synthetic batch (``batch``
    samples, default the article's per-sample 1 or 8) and match the program's lines to the
    article's formulas.  Raises `ShowError` for an unknown article, batch or dtype."""
    if article not in ARTICLES:
        raise ShowError(f"compile --show: unknown article {article!r}; choose one of "
                         f"{', '.join(ARTICLES)}")
    spec = ARTICLES[article]
    m = spec.batch if batch is None else batch
    if m < 1:
        raise ShowError(f"compile --show: the batch must have at least 1 sample, got {m}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ShowError(f"compile --show: dtype must be float32 or float64, got {dtype}")
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    output = nn.functional.relu if spec.output_relu else None
    model = Network(spec.sizes, spec.hidden, output).to(dtype=dtype)
    cost = spec.make_cost(model)
    if spec.lr is None:
        step = cost_and_gradient(model, cost)
    else:
        step = training_step(model, cost, optim.SGD(model.parameters(), lr=spec.lr))
    x = Tensor(rng.uniform(0.0, 1.0, (m, spec.sizes[0])), dtype=dtype)
    y = _targets(spec.targets, rng, m, spec.sizes[-1], dtype)
    compiled = compile_step(step)
    for _ in range(3):              # warm-up, trace, check against an eager run
        compiled(x, y)
    layers = [(f"fc{l}_weight", f"fc{l}_bias") for l in range(1, len(spec.sizes))]
    source = compiled.source
    return Shown(article, spec, textwrap.dedent(inspect.getsource(step)), source,
                 parts(source, layers))
