"""The generated program is NumPy only: article 000's compiled step names no part of the
engine (issue 18: "a test that the source of article 000's step contains no engine call"),
nor do the other networks' steps; and what `compile` refuses to take."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

from ._twins import OPTIMIZERS, train_step
from .test_articles import NETWORKS, article_000

ENGINE = ("backward(", "apply(", "Tensor", "tinygrad_edu", "_ctx")


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_article_000_source_has_no_engine_call(optimizer):
    model, lr, loss_of, data = article_000(np.random.default_rng(0))
    model = model.double()
    opt = OPTIMIZERS[optimizer](model.parameters(), lr)
    step = tg.compile(train_step(model, opt, loss_of))
    x, y = (tg.Tensor(a) for a in data[0])
    step(x, y)
    with pytest.raises(RuntimeError, match="no program yet"):
        step.source  # noqa: B018  (the warm-up call runs eagerly: nothing traced yet)
    step(x, y)
    source = step.source
    assert source.lstrip().startswith("def ")
    for word in ENGINE:
        assert word not in source, f"{word!r} in the program:\n{source}"
    code = compile(source, "<article 000 step>", "exec")  # builtins.compile: valid Python
    names = set(code.co_names) | {n for c in code.co_consts if hasattr(c, "co_names")
                                  for n in c.co_names}
    assert "np" in names
    assert not {"tg", "tinygrad_edu", "Tensor", "Function"} & names


@pytest.mark.parametrize("network", [n for n in NETWORKS if n != "000"])
def test_the_other_networks_sources_have_no_engine_call(network):
    model, _, loss_of, data = NETWORKS[network](np.random.default_rng(0))
    model = model.double()
    step = tg.compile(train_step(model, OPTIMIZERS["adam"](model.parameters(), 1e-3), loss_of))
    x, y = (tg.Tensor(a.astype(np.float64) if a.dtype.kind == "f" else a) for a in data[0])
    step(x, y)
    step(x, y)
    for word in ENGINE:
        assert word not in step.source, f"{word!r} in the program:\n{step.source}"


def test_compile_rejects_what_it_cannot_take():
    with pytest.raises(TypeError, match="compile: expected a function"):
        tg.compile(3)
    step = tg.compile(lambda x: x * 2)
    with pytest.raises(TypeError, match="compile: argument of type ndarray"):
        step(np.ones(3))
