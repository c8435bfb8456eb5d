"""The generated program is NumPy only: article 000's compiled step names no part of the
engine (issue 18: "a test that the source of article 000's step contains no engine call")."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

from ._twins import OPTIMIZERS, train_step
from .test_articles import article_000

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
