#!/usr/bin/env bash
# Build the sdist and wheel, check their metadata, install the wheel into a fresh venv and run
# the command line and a training step from it, away from the checkout (so nothing is
# imported from the source tree by accident).
set -euo pipefail
cd "$(dirname "$0")/.."
dist="$(mktemp -d)"; venv="$(mktemp -d)/venv"; away="$(mktemp -d)"
python -m build -q -o "$dist" . > "$away/build.log" 2>&1 || { cat "$away/build.log"; exit 1; }
twine check --strict "$dist"/*
python3 -m venv "$venv"
"$venv/bin/pip" install -q "$dist"/*.whl
# The wheel carries the typing marker and the stub of the run-time bound Tensor methods.
python - "$dist" <<'PY'
import sys, zipfile
from pathlib import Path
names = zipfile.ZipFile(next(Path(sys.argv[1]).glob("*.whl"))).namelist()
missing = {"tinygrad_edu/py.typed", "tinygrad_edu/_tensor_methods.pyi"} - set(names)
assert not missing, f"the wheel lacks {missing}"
PY
cp tests/typing/user_script.py "$away/"
cd "$away"
# A user's script type-checks against the installed wheel, as mypy --strict sees it there.
mypy --strict --python-executable "$venv/bin/python" --no-incremental user_script.py
"$venv/bin/tinygrad-edu" --version
"$venv/bin/python" -m tinygrad_edu gradcheck op tanh --shape 3,4 > /dev/null
"$venv/bin/python" - "$venv" <<'PY'
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

assert Path(tg.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), tg.__file__
tg.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = tg.randn(16, 4), tg.Tensor(np.arange(16) % 3)
losses = []
for _ in range(20):
    loss = nn.CrossEntropyLoss()(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
assert losses[-1] < losses[0], losses
print(f"wheel smoke test: tinygrad_edu {tg.__version__} from {Path(tg.__file__).parent}, "
      f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")
PY
