"""A user's training script, as the README writes it, with the type hints a user adds.

tests/typing/test_typing.py runs ``mypy --strict`` on it (and on ``operators.py``): the
Tensor's operators and methods are bound at run time, so this is what shows that checkers
(mypy, Pyright/Pylance) see them.  It also runs as a plain script.
"""

from __future__ import annotations

from typing import assert_type

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler


def accuracy(logits: tg.Tensor, y: tg.Tensor) -> float:
    return float((logits.argmax(dim=1) == y).float().mean().item())


def train(path: str = "model.npz", steps: int = 50) -> list[float]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    sched = lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    x, y = tg.randn(32, 4), tg.Tensor(np.arange(32) % 3)
    losses: list[float] = []
    for _ in range(steps):
        logits = model(x)
        loss = loss_fn(logits, y) + 1e-4 * sum((p * p).sum() for p in model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.item()))
    with tg.no_grad():
        acc = accuracy(model(x), y)
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {acc:.2f}")
    tg.save(model.state_dict(), path)
    model.load_state_dict(tg.load(path))
    return losses


def compiled_training(steps: int = 6) -> list[float]:
    """The README's compiled step: `tg.compile` keeps the step's parameter and return types."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    @tg.compile
    def train_step(x: tg.Tensor, y: tg.Tensor) -> tuple[tg.Tensor, float]:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss, loss.item()

    x, y = tg.randn(16, 4), tg.Tensor(np.arange(16) % 3)
    assert_type(train_step(x, y), tuple[tg.Tensor, float])
    values = [train_step(x, y)[1] for _ in range(steps)]
    evaluate = tg.compile(tg.no_grad()(model), check=False)
    assert evaluate(x).shape == (16, 3)
    assert "def step" in train_step.source
    return values


def by_hand() -> tg.Tensor:
    """The README's ten lines: a graph built with operators and methods."""
    x = tg.Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    w = tg.randn(3, 2, dtype=np.float64, requires_grad=True)
    b = tg.zeros(2, dtype=np.float64, requires_grad=True)
    loss = (x @ w + b).tanh().sum()
    loss.backward()
    assert w.grad is not None
    step = w.grad * 0.1
    with tg.no_grad():
        w -= step
    assert tg.gradcheck(lambda x, w, b: (x @ w + b).tanh(), (x, w, b))
    return (a := w.detach()) * 2.0 + a.exp() - 1 / (1 + (-a).exp())


if __name__ == "__main__":
    train()
    print(compiled_training())
    print(by_hand())
