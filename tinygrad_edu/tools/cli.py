"""``tinygrad-edu``: gradient-check experiments from the command line.

Parses arguments, runs `tinygrad_edu.tools.experiments` and prints its rows as tables (the
logic, and the same experiments as Python functions, live there); ``compile --show article
NNN`` prints an article's compiled training step beside its formulas
(`tinygrad_edu.tools.compile_show`).  Also runnable as ``python -m tinygrad_edu``.  Exit
codes: 0 all agree (or shown); 1 autograd disagrees with central differences (in float64)
or with a corrected formula (or, with ``--strict``, an article's formula differs); 2 bad
usage (an error inside an op prints its traceback instead).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..tensor import Tensor
from . import compile_show
from . import experiments as ex
from .graph import GraphvizNotFoundError, explore, render, to_dot

EXAMPLES = """\
examples:
  tinygrad-edu gradcheck op log --shape 3,4
  tinygrad-edu gradcheck op sum --shape 2,3,4 --kw axis=1
  tinygrad-edu gradcheck op mypackage.myops:MyOp --shape 5      # your own Function
  tinygrad-edu gradcheck article 003 --sizes 16,8,4 --batch 5 --lambda 0.1
  tinygrad-edu gradgradcheck op softmax --shape 2,5
  tinygrad-edu eps-sweep op tanh --shape 3,4 --out figures
  tinygrad-edu graph article 001 --out graph.svg
  tinygrad-edu graph article 004 --html --out graph.html     # step through backward
  tinygrad-edu compile --show article 001        # the compiled step beside the article
"""


# ----------------------------------------------------------------------------- parsing
def _shape(text: str) -> tuple[int, ...]:
    """"3,4" -> (3, 4); "" or "()" -> () (a scalar)."""
    text = text.strip().strip("()")
    try:
        shape = tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 3,4, "
                                         f"got {text!r}") from None
    if any(n < 1 for n in shape):
        raise argparse.ArgumentTypeError(f"sizes must be at least 1 (an empty tensor has no "
                                         f"derivative to check), got {text!r}")
    return shape


def _number(low: float, strict: bool):
    """An argparse type: a float > low (``strict``) or >= low."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (value > low if strict else value >= low):
            raise argparse.ArgumentTypeError(
                f"expected a number {'>' if strict else '>='} {low:g}, got {text!r}")
        return value
    return parse


def _keyword(text: str) -> tuple[str, Any]:
    """"axis=1" -> ("axis", 1): the value is a Python literal, else the plain string."""
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def _add_targets(command: argparse.ArgumentParser, extra: argparse.ArgumentParser,
                 with_dtype: bool, required: bool = True) -> None:
    """The ``op NAME ...`` / ``article NNN ...`` choice, shared by every command."""
    kinds = command.add_subparsers(dest="kind", metavar="{op,article}", required=required)
    op = kinds.add_parser(
        "op", parents=[extra], help="one op of tinygrad_edu.ops",
        description="Check one op at the given shapes, inputs drawn in the op's safe domain.",
        epilog="ops: " + " ".join(ex.op_names()))
    op.add_argument("name", help="an op name, or module:function (e.g. a custom Function)")
    op.add_argument("--shape", type=_shape, action="append", metavar="3,4",
                    help="shape of one tensor input, once per input (default: the op's own; "
                         "one shape for a two-input op is used for both)")
    op.add_argument("--kw", type=_keyword, action="append", metavar="KEY=VALUE", default=[],
                    help="a keyword argument of the op, e.g. axis=1 (a Python literal)")
    if with_dtype:
        op.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="input dtype (default float64; float32 finite differences are "
                             "dominated by round-off, see eps-sweep)")
    op.add_argument("--seed", type=int, default=0, help="random seed of the inputs")
    art = kinds.add_parser(
        "article", parents=[extra], help="one of the five articles' networks",
        description="Check the cost of an article's network (see tinygrad_edu.reference).")
    art.add_argument("article", choices=list(ex.ARTICLES), help="which article")
    art.add_argument("--sizes", type=_shape, metavar="16,8,4",
                     help="layer sizes, input first (default: small ones per article)")
    art.add_argument("--batch", type=int, default=5, help="number of samples (default 5)")
    art.add_argument("--lambda", dest="lambd", type=float, default=0.1,
                     help="L2 strength for articles 000 and 003 (default 0.1)")
    art.add_argument("--seed", type=int, default=0, help="random seed of data and parameters")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-edu``."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Gradient-check experiments: autograd against central and forward "
                    "differences and the articles' hand-derived formulas.",
        epilog=EXAMPLES)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = argparse.ArgumentParser(add_help=False)
    check.add_argument("--eps", type=_number(0, strict=True), default=1e-6,
                       help="finite-difference step (1e-6)")
    check.add_argument("--atol", type=_number(0, strict=False), default=ex.ATOL,
                       help="absolute tolerance (1e-5)")
    check.add_argument("--rtol", type=_number(0, strict=False), default=ex.RTOL,
                       help="relative tolerance (1e-3)")
    check.add_argument("--strict", action="store_true",
                       help="exit 1 also when an article's own formula differs")
    for name, what in (("gradcheck", "first derivatives"),
                       ("gradgradcheck", "second derivatives (gradient of v . df/dx)")):
        cmd = commands.add_parser(
            name, help=f"check {what}", epilog=EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            description=f"Check {what} of an op or an article's network: a table per "
                        f"parameter of autograd against central differences (the verdict), "
                        f"forward differences and the article's formulas.")
        _add_targets(cmd, check, with_dtype=True)

    sweep_opts = argparse.ArgumentParser(add_help=False)
    sweep_opts.add_argument("--out", default=argparse.SUPPRESS, metavar="DIR",
                            help="folder for the PNG (default: the current one)")
    sweep = commands.add_parser(
        "eps-sweep", parents=[sweep_opts], help="finite-difference error against eps",
        description="Error of forward and central differences against autograd for eps = "
                    "1e-1 ... 1e-12, float32 and float64: a table and a log-log PNG (the "
                    "V-curve of truncation and round-off). Default target: op tanh.")
    _add_targets(sweep, sweep_opts, with_dtype=False, required=False)
    sweep.set_defaults(kind="op", name="tanh", shape=None, kw=[], seed=0, out=".")

    graph_opts = argparse.ArgumentParser(add_help=False)
    graph_opts.add_argument("--out", metavar="FILE",
                            help="write .dot text, render .svg/.png/.pdf with Graphviz, or "
                                 "write the explorer to .html (default: print the DOT text)")
    graph_opts.add_argument("--html", action="store_true",
                            help="write the interactive explorer: one self-contained HTML "
                                 "page (--out, default graph.html) to click through the "
                                 "backward pass step by step")
    graph = commands.add_parser(
        "graph", help="the recorded graph as Graphviz DOT (or a picture)",
        description="Run the target forward and backward (retain_graph=True) and draw its graph "
                    "with the leaves' gradients.")
    _add_targets(graph, graph_opts, with_dtype=True)

    show = commands.add_parser(
        "compile", help="an article's compiled training step beside its formulas",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Compile (tinygrad_edu.compile) the training step of an article's "
                    "network on a small synthetic batch and print the NumPy program, each "
                    "line marked with the article's symbol, the article's formulas with "
                    "the program lines that compute them, and where the two differ.")
    show.add_argument("--show", action="store_true", required=True,
                      help="print the program (the only action so far)")
    kinds = show.add_subparsers(dest="kind", metavar="{article}", required=True)
    art = kinds.add_parser("article", help="one of the five articles' networks",
                           description="The article's layer sizes, activations, loss, L2 "
                                       "term and gradient-descent step.")
    art.add_argument("article", choices=list(compile_show.ARTICLES), help="which article")
    art.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                     help="parameters and inputs (default float64)")
    art.add_argument("--batch", type=int, metavar="N",
                     help="samples in the synthetic batch (default: 1 for the per-sample "
                          "articles 001 and 002, else 8)")
    return parser


# ----------------------------------------------------------------------------- targets
def _target(args: argparse.Namespace, dtype: Any = None) -> ex.Target:
    """The one target builder of every command."""
    dtype = dtype or getattr(args, "dtype", "float64")
    if args.kind == "op":
        return ex.op_target(args.name, args.shape, dtype=dtype, kwargs=dict(args.kw),
                            seed=args.seed)
    return ex.article_target(args.article, args.sizes, batch=args.batch, lambd=args.lambd,
                             seed=args.seed, dtype=dtype)


def _own_op(args: argparse.Namespace) -> bool:
    """The target is the user's ``module:function``, not one of the framework's ops."""
    return args.kind == "op" and ":" in args.name


def _try_forward(args: argparse.Namespace, target: ex.Target) -> None:
    """Run the target forward once, so that shapes or keywords an op cannot take are usage
    errors (one line, exit 2).  A user's own op that fails is left to fail later, with its
    traceback: that error is in their code."""
    if args.kind != "op":
        return
    if _own_op(args):
        module, _, attr = args.name.partition(":")
        op = getattr(importlib.import_module(module), attr)
        if inspect.isbuiltin(op) or isinstance(op, np.ufunc) or not callable(op):
            raise TypeError(f"{args.name} is not a function of Tensors or a Function "
                            f"subclass (it is {type(op).__name__} {op!r}, which works on "
                            f"numbers or arrays, not on Tensors)")
        return
    shapes = ", ".join(str(tuple(x.shape)) for x in target.inputs)
    try:
        out = target.fn(*target.inputs)
    except (ValueError, TypeError, IndexError) as e:
        raise ValueError(f"{target.title} cannot run on inputs of shapes {shapes}"
                         f"{_kw_text(args)}: {e}. Give one --shape per input (e.g. --shape "
                         f"2,3 --shape 3,4) and only keywords the op takes") from None
    if not isinstance(out, Tensor):
        raise TypeError(f"{target.title} returned {type(out).__name__}, not a Tensor")


def _kw_text(args: argparse.Namespace) -> str:
    return "".join(f", {k}={v!r}" for k, v in args.kw)


# ----------------------------------------------------------------------------- printing
def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, a rule under the header."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _print_report(command: str, report: ex.Report, strict: bool, own_op: bool = False) -> int:
    t = report.target
    first, *more = t.details.split("\n")
    print(f"{command} {t.title}: {first}")
    for text in more:
        print(f"  {text}")
    if t.value_check is not None:
        a, b = t.value_check
        print(f"  forward: autograd {t.outputs[0]} {a:.12g}, reference {b:.12g} "
              f"({'equal' if report.value_ok else 'DIFFERENT: the network is not the reference'})")
    if report.low_precision:
        print("  warning: not float64 -- finite differences carry round-off ~ u/eps "
              "(6e-2 for float32 at eps 1e-6): differences here are the check's, not the op's")
    print(f"  eps {report.eps:g}; an entry agrees when |autograd - other| <= "
          f"{report.atol:g} + {report.rtol:g} |other|\n")
    rows, last = [], None
    for r in report.rows:
        shown = (r.parameter, str(r.shape)) if r.parameter != last else ("", "")
        last = r.parameter
        rows.append([*shown, r.versus, f"{r.max_abs:.1e}", f"{r.max_rel:.1e}",
                     f"{r.n_differ}/{r.n}", r.entry, f"{r.autograd:.6g}", f"{r.other:.6g}",
                     r.status])
    print(format_table(["parameter", "shape", "autograd vs", "max abs", "max rel", "differ",
                        "worst entry", "autograd", "other", "verdict"], rows))
    print("\nmax abs = max |autograd - other|; max rel = max |autograd - other| / "
          "max(|autograd|, |other|, atol);\ndiffer = entries outside the tolerance; forward "
          "differences err by O(eps), so 'inexact' there is no failure.")
    findings = [r for r in report.rows if r.n_differ and r.kind != "forward"]
    if findings:
        print("\nfindings:")
    for r in findings:
        who = "" if r.kind == "article" or r.low_precision else "FAIL: "
        how = f"; {r.pattern}" if r.pattern else ""
        print(f"  {who}{r.versus} differs from autograd in {r.parameter}: {r.n_differ}/{r.n} "
              f"entries, worst {r.entry}: autograd {r.autograd:.6g}, {r.versus} "
              f"{r.other:.6g}{how}")
    if t.notes:
        print("\nnotes:")
        for note in t.notes:
            print(f"  {note}")
    code = report.exit_code(strict)
    if report.failed and own_op:
        verdict = ("your op's backward is WRONG: its gradient disagrees with central "
                   "differences at the entries above")
    elif report.failed:
        verdict = ("autograd DISAGREES with central differences or a corrected formula: a "
                   "bug in the framework (or the reference)")
    elif report.low_precision and any(r.n_differ and r.kind == "central" for r in report.rows):
        verdict = ("no verdict: central differences in low precision differ by round-off; "
                   "rerun with --dtype float64")
    else:
        verdict = "autograd agrees with central differences"
        if report.article_differs:
            verdict += ("; the article's own formula differs (the expected finding, see "
                        "notes)" + (" -- exit 1 because of --strict" if strict else ""))
    print(f"\nresult: {verdict} (exit {code})")
    return code


def _print_sweep(rows: Sequence[ex.SweepRow], title: str, out: Path) -> None:
    curves = list(dict.fromkeys((r.dtype, r.method) for r in rows))
    eps_values = list(dict.fromkeys(r.eps for r in rows))
    cell = {(r.dtype, r.method, r.eps): r for r in rows}
    table = [[f"{eps:.0e}"] + [f"{cell[(c[0], c[1], eps)].error:.2e}"
                               + (" *" if cell[(c[0], c[1], eps)].best else "") for c in curves]
             for eps in eps_values]
    print(f"eps-sweep {title}: max |finite difference - autograd (float64)| over every "
          f"Jacobian entry; * = best eps\n")
    print(format_table(["eps", *(f"{d} {m}" for d, m in curves)], table))
    print("\ntheory (u = unit round-off, 6e-8 float32, 1.1e-16 float64): forward error "
          "~ eps |f''|/2 + 2u|f|/eps, best eps ~ u^(1/2);\ncentral ~ eps^2 |f'''|/6 + u|f|/eps, "
          "best eps ~ u^(1/3): about 4e-3 (float32) and 5e-6 (float64).")
    path = out / f"eps_sweep_{title.replace(' ', '_')}.png"
    try:
        ex.save_sweep_png(rows, path, title=f"finite-difference error, {title}")
    except ImportError:
        print("\nno picture: matplotlib is not installed (pip install matplotlib, or "
              "pip install 'tinygrad_edu[examples]'); the table above has the same numbers.")
    else:
        print(f"\nwrote {path}")


def _graph(args: argparse.Namespace, t: ex.Target) -> int:
    y = t.fn(*t.inputs)
    seed = None if y.size == 1 else np.ones(y.shape, y.dtype)
    names = {n.split(" = ")[0]: x for n, x in zip(t.names, t.checked)}
    if args.html or (args.out or "").endswith(".html"):
        out = args.out or "graph.html"
        explore(y, out, names, gradient=seed, title=f"tinygrad-edu graph: {t.title}")
        print(f"wrote {out} (open it in a browser: no server needed)")
        return 0
    y.backward(seed, retain_graph=True)
    if args.out is None:
        print(to_dot(y, names), end="")
    elif args.out.endswith(".dot"):
        Path(args.out).write_text(to_dot(y, names))
        print(f"wrote {args.out}")
    else:
        try:
            print(f"wrote {render(y, args.out, names=names)}")
        except GraphvizNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    return 0


# ----------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tinygrad-edu`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, or a usage error (already printed)
        return int(e.code or 0)
    if args.command == "compile":
        try:
            shown = compile_show.show(args.article, dtype=args.dtype, batch=args.batch)
        except compile_show.ShowError as e:  # a compiler error shows its traceback
            print(f"tinygrad-edu: error: {e}", file=sys.stderr)
            return 2
        print(shown.text())
        return 0
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # "module:Function" from here, as python -m does
    try:  # a bad op name, module, shape or keyword is a usage error ...
        target = _target(args)
        _try_forward(args, target)
    except (ValueError, TypeError, IndexError, ImportError, AttributeError) as e:
        print(f"tinygrad-edu: error: {e}", file=sys.stderr)
        return 2
    # ... but an error inside the op's forward or backward is shown with its traceback
    if args.command == "eps-sweep":
        rows = ex.eps_sweep(lambda dtype: _target(args, dtype))
        _print_sweep(rows, target.title, Path(args.out))
        return 0
    if args.command == "graph":
        return _graph(args, target)
    report = ex.check(target, args.eps, args.atol, args.rtol,
                      order=2 if args.command == "gradgradcheck" else 1)
    return _print_report(args.command, report, args.strict, own_op=_own_op(args))


if __name__ == "__main__":
    sys.exit(main())
