"""Mutation testing: do the tests notice small wrong changes to the engine and the ops?

    python .ci/mutation.py [--sample 150] [--seed 0] [--timeout 120] [--jobs 1]

A mutant is one change to the syntax tree of ``tinygrad_edu/autograd.py``, ``tensor.py`` or
``ops/*.py``: a comparison, arithmetic or boolean operator flipped (``<`` to ``>=``, ``+`` to
``-``, ``and`` to ``or``), a ``not`` or unary minus dropped, a number changed (``n`` to
``n + 1``, ``True`` to ``False``), a statement of a function body dropped, a ``return x``
made ``return None``.  Annotations, docstrings and f-strings (error messages) are left alone.
From every site of every file a sample is drawn with a fixed seed; each mutant is written
into a scratch copy of the project and the tests exercising its file run on it (``-x -q``,
Hypothesis profile ``quick``, the slow stress tests deselected).

Which tests exercise a file is measured, not guessed: one run of the test pool (``POOL``) under
a profiler (this module is also the pytest plugin, ``-p mutation``) records, per test file, the
package files its tests call into (calls made while collecting, outside any test, are not
counted); a mutant of ``f`` runs the test files that call into ``f``, those whose tests call it
most often first (``-x`` stops at the first failure). A file no test calls into (module-level
data) runs the whole pool. The scratch copy holds every target file as ``ast.unparse`` writes
it, and each suite must pass on that copy first, so the only difference a mutant's run sees is
the mutation.

A mutant is *killed* when a test fails (pytest exit 1, or 2 for an error while collecting the
tests, which only the mutant can cause), crashes the interpreter, or times out (four times its
suite's unmutated time, at least ``--timeout``); it *survives* when all pass. Any other pytest
exit (internal error, bad usage, no tests) counts neither way and is listed. The report gives
the score and lists survivors and timeouts as ``file:line mutation [file#n]`` (``--only file#n
...`` runs just those again): each survivor is either a missing test or an equivalent mutant
(one that changes nothing observable), to be judged by reading it. ``docs/mutation.md`` keeps
the last run's judgement.
It runs for tens of minutes on two cores; CI does not run it.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The tests that may exercise the engine and the ops, in the order a mutant runs them when
# equally relevant (the engine's own tests first).
POOL = ["tests/test_engine.py", "tests/test_custom_function.py", "tests/tools/test_hooks.py",
        "tests/tools/test_anomaly.py", "tests/test_tensor.py", "tests/test_tensor_errors.py",
        "tests/ops", "tests/test_inplace.py", "tests/test_promotion.py"]
SLOW = "not deep_chain and not another_thread_runs_inference"  # seconds each, no extra kill

SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt,
        ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
        ast.In: ast.NotIn, ast.NotIn: ast.In,
        ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
        ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult,
        ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.And: ast.Or, ast.Or: ast.And}
SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.GtE: ">=", ast.Gt: ">",
          ast.LtE: "<=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
          ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
          ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@", ast.BitOr: "|", ast.BitAnd: "&",
          ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    file: str     # relative to the project root
    index: int    # which site of the file, in `sites` order
    line: int
    what: str


def _untouchable(tree: ast.AST) -> set[int]:
    """Ids of nodes no mutation touches: annotations, docstrings, f-strings."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        parts: list[ast.AST] = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            parts.append(node.annotation)
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            parts.append(node.returns)
        if isinstance(node, ast.JoinedStr):
            parts.append(node)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)):
            parts.append(node.body[0])
        for part in parts:
            skip.update(id(n) for n in ast.walk(part))
    return skip


def _put(parent: ast.AST, field: str, i: int | None, new: ast.AST) -> None:
    if i is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[i] = new


def sites(tree: ast.AST) -> Iterator[tuple[int, str, Callable[[], None]]]:
    """Every mutation of ``tree`` as (line, description, apply-in-place), in a fixed order."""
    skip = _untouchable(tree)
    functions = {id(s) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                 for n in ast.walk(f) if isinstance(n, ast.stmt | ast.ExceptHandler)
                 for field in ("body", "orelse", "finalbody")
                 for s in getattr(n, field, [])}
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            children = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for i, child in children:
                if isinstance(child, ast.AST) and id(child) not in skip:
                    yield from _edits(parent, field, i, child, id(child) in functions)


def _edits(parent: ast.AST, field: str, i: int | None, node: ast.AST,
           in_function: bool) -> Iterator[tuple[int, str, Callable[[], None]]]:
    line = getattr(node, "lineno", getattr(parent, "lineno", 0))
    if isinstance(node, ast.Compare):
        for j, op in enumerate(node.ops):
            if type(op) in SWAP:
                def flip(node=node, j=j, op=op):
                    node.ops[j] = SWAP[type(op)]()
                yield line, f"{SYMBOL[type(op)]} -> {SYMBOL[SWAP[type(op)]]}", flip
    elif isinstance(node, ast.BinOp | ast.BoolOp) and type(node.op) in SWAP:
        def swap(node=node):
            node.op = SWAP[type(node.op)]()
        yield line, f"{SYMBOL[type(node.op)]} -> {SYMBOL[SWAP[type(node.op)]]}", swap
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        word = "not" if isinstance(node.op, ast.Not) else "unary -"
        yield line, f"drop {word}", lambda: _put(parent, field, i, node.operand)
    elif isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
        new = (not node.value) if type(node.value) is bool else node.value + 1
        def change(node=node, new=new):
            node.value = new
        yield line, f"constant {node.value!r} -> {new!r}", change
    if in_function and isinstance(node, ast.stmt):
        if isinstance(node, ast.Return) and node.value is not None:
            def none(node=node):
                node.value = ast.Constant(None)
            yield line, "return None", none
        elif not isinstance(node, ast.Pass):
            kind = type(node).__name__.lower()
            yield line, f"drop {kind} statement", lambda: _put(parent, field, i, ast.Pass())


def targets() -> list[str]:
    files = ["tinygrad_edu/autograd.py", "tinygrad_edu/tensor.py"]
    files += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tinygrad_edu/ops").glob("*.py"))
    return files


# The pytest plugin (``-p mutation``): which package files each test file's tests call into.
_items: dict[str, int] = {}
_calls: dict[str, dict[str, int]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    seen: set[str] = set()

    def profile(frame, event, arg):
        if event == "call":
            seen.add(frame.f_code.co_filename)

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    test = str(item.path.relative_to(item.config.rootpath))
    _items[test] = _items.get(test, 0) + 1
    calls = _calls.setdefault(test, {})
    package = str(item.config.rootpath / "tinygrad_edu")
    for f in seen:
        if f.startswith(package):
            name = str(Path(f).relative_to(item.config.rootpath))
            calls[name] = calls.get(name, 0) + 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    with open(os.environ["MUTATION_CALLS"], "w") as out:
        json.dump({"items": _items, "calls": _calls}, out)


def test_map(work: Path, files: list[str]) -> dict[str, list[str]]:
    """For each file of ``files``, the test files of ``POOL`` whose tests call into it, most
    often (as a share of the file's tests) first; the whole pool if none does."""
    record = work / "calls.json"
    env = dict(os.environ, MUTATION_CALLS=str(record),
               PYTHONPATH=os.pathsep.join([str(work), str(Path(__file__).parent)]))
    status = run_tests(work, POOL, 3600.0, ["-p", "mutation"], env)[0]
    if status != "passed":
        sys.exit(f"the unmutated tests do not pass ({status}): {' '.join(POOL)}")
    data = json.loads(record.read_text())
    order = list(data["items"])   # the order pytest ran them in
    out = {}
    for f in files:
        share = {t: data["calls"][t].get(f, 0) / data["items"][t] for t in order}
        hit = sorted((t for t in order if share[t] > 0), key=lambda t: (-share[t], order.index(t)))
        out[f] = hit or list(POOL)
    return out


def all_mutants(files: list[str]) -> list[Mutant]:
    out = []
    for f in files:
        tree = ast.parse((ROOT / f).read_text())
        original = ast.unparse(tree)
        for k, (line, what, apply) in enumerate(sites(tree)):
            out.append(Mutant(f, k, line, what))
            del apply
        assert ast.unparse(tree) == original  # enumerating changes nothing
    return out


def unparsed(file: str) -> str:
    """``file`` as ``ast.unparse`` writes it: what the scratch copy holds unmutated."""
    return ast.unparse(ast.parse((ROOT / file).read_text())) + "\n"


def mutated_source(m: Mutant) -> str | None:
    """The file with mutant ``m`` applied (None if the change is a no-op)."""
    tree = ast.parse((ROOT / m.file).read_text())
    original = ast.unparse(copy.deepcopy(tree))
    for k, (_, _, apply) in enumerate(sites(tree)):
        if k == m.index:
            apply()
            break
    new = ast.unparse(ast.fix_missing_locations(tree))
    return None if new == original else new + "\n"


# pytest's exit codes: 0 all passed, 1 a test failed, 2 interrupted (an error collecting the
# tests, e.g. the package failing to import); a negative code is a signal (the mutant crashed
# the interpreter).  3 (internal error), 4 (usage) and 5 (no tests) say nothing about the mutant.
OUTCOME = {0: "passed", 1: "failed", 2: "error"}


def run_tests(workdir: Path, tests: list[str], timeout: float, extra: Sequence[str] = (),
              env: dict[str, str] | None = None) -> tuple[str, float]:
    """'passed', 'failed', 'error', 'crashed', 'timeout' or 'broken', and the seconds taken."""
    env = dict(env or dict(os.environ, PYTHONPATH=str(workdir)),
               HYPOTHESIS_PROFILE="quick", MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "pytest", *tests, "-x", "-q", "-p", "no:cacheprovider",
           "-k", SLOW, *extra]
    start = time.monotonic()
    try:
        rc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True,
                            timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    status = "crashed" if rc < 0 else OUTCOME.get(rc, "broken")
    return status, time.monotonic() - start


def write(work: Path, file: str, text: str) -> None:
    """Put ``text`` at ``file`` in the scratch copy, dropping its cached bytecode (a .pyc
    is trusted by mtime in seconds and size: a mutant could pass for the original)."""
    (work / file).write_text(text)
    for pyc in (work / file).parent.glob(f"__pycache__/{Path(file).stem}.*.pyc"):
        pyc.unlink()


def scratch_copy(base: Path, files: list[str]) -> Path:
    """A copy of the package and its tests to mutate (the worktree is never touched), with
    ``files`` unparsed."""
    work = Path(tempfile.mkdtemp(prefix="mutant-", dir=base))
    for part in ("tinygrad_edu", "tests"):
        shutil.copytree(ROOT / part, work / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
    for f in files:
        write(work, f, unparsed(f))
    return work


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=150, help="how many mutants to run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds per mutant at least (four times its suite's time if longer)")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once")
    ap.add_argument("--files", nargs="*", default=None, help="default: the engine and ops")
    ap.add_argument("--only", nargs="*", default=None, metavar="FILE#N",
                    help="run just these mutants (as the report names them), no sample")
    args = ap.parse_args(argv)

    files = args.files or targets()
    mutants = all_mutants(files)
    if args.only is not None:
        sample = [m for m in mutants if f"{m.file}#{m.index}" in args.only]
    else:
        sample = random.Random(args.seed).sample(mutants, min(args.sample, len(mutants)))
    sample.sort(key=lambda m: (m.file, m.index))
    print(f"{len(mutants)} mutants in {len(files)} files; running {len(sample)} "
          f"(seed {args.seed})", flush=True)
    base = Path(tempfile.mkdtemp(prefix="tinygrad-edu-mutation-"))
    workers = [scratch_copy(base, files) for _ in range(args.jobs)]
    suites = test_map(workers[0], sorted({m.file for m in sample}))
    limit = {}
    for f, suite in suites.items():
        status, secs = run_tests(workers[0], suite, 3600.0)
        if status != "passed":
            print(f"the unmutated tests do not pass ({status}): {' '.join(suite)}")
            return 2
        limit[f] = max(args.timeout, 4 * secs)
        print(f"{f}: {secs:.0f} s for {' '.join(suite)}", flush=True)

    free = list(workers)
    results: dict[Mutant, str] = {}

    def run(m: Mutant) -> None:
        src = mutated_source(m)
        if src is None:
            results[m] = "no-op"
            return
        work = free.pop()
        try:
            write(work, m.file, src)
            results[m], secs = run_tests(work, suites[m.file], limit[m.file])
            write(work, m.file, unparsed(m.file))
        finally:
            free.append(work)
        print(f"{len(results):4d}/{len(sample)} {results[m]:8s} {secs:5.1f} s  "
              f"{m.file}:{m.line}  {m.what}  [{m.file}#{m.index}]", flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(run, sample))
    shutil.rmtree(base)

    counts = {k: sum(r == k for r in results.values())
              for k in ("failed", "error", "crashed", "timeout", "passed", "broken", "no-op")}
    killed = counts["failed"] + counts["error"] + counts["crashed"] + counts["timeout"]
    ran = killed + counts["passed"]
    print("\n" + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"score: {killed}/{ran} = {killed / max(ran, 1):.1%} killed")
    for kind in ("passed", "timeout", "broken"):
        listed = [m for m in sample if results[m] == kind]
        if listed:
            print({"passed": "survivors:", "timeout": "timeouts (killed; check they are "
                   "the mutant's loop, not a slow machine):",
                   "broken": "pytest could not run (not counted):"}[kind])
            for m in listed:
                print(f"  {m.file}:{m.line}  {m.what}  [{m.file}#{m.index}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
