"""What checkers must infer for the Tensor's operators and methods (bound at run time in
``tinygrad_edu/ops``): ``assert_type`` is an error under mypy when the inferred type differs,
Any included, and a no-op at run time.  Run by tests/typing/test_typing.py."""

from __future__ import annotations

from typing import assert_type

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import return_types
from tinygrad_edu.tensor import Tensor

a = tg.randn(3, 4)
b = tg.ones(4, 2)
n = np.ones(4)

# operators, both sides, with numbers and arrays
assert_type(a + a, Tensor)
assert_type(a + 2.0, Tensor)
assert_type(2.0 + a, Tensor)
assert_type(a - 1, Tensor)
assert_type(1 - a, Tensor)
assert_type(a * 2.0, Tensor)
assert_type(2 * a, Tensor)
assert_type(a / 3, Tensor)
assert_type(1.0 / a, Tensor)
assert_type(a ** 2, Tensor)
assert_type(2.0 ** a, Tensor)
assert_type(a @ b, Tensor)
assert_type(a + n, Tensor)
assert_type(-a, Tensor)
assert_type(abs(a), Tensor)
assert_type(a[0], Tensor)
assert_type(a[:, 1:], Tensor)
assert_type(a == a, Tensor)
assert_type(a != 0, Tensor)
assert_type(a < 0.5, Tensor)
assert_type(a >= a, Tensor)
assert_type(a.T, Tensor)
assert_type(a.mT, Tensor)

# methods
assert_type(a.exp(), Tensor)
assert_type(a.sum(), Tensor)
assert_type(a.sum(dim=1, keepdim=True), Tensor)
assert_type(a.mean(0), Tensor)
assert_type(a.reshape(4, 3), Tensor)
assert_type(a.view(-1), Tensor)
assert_type(a.relu().sigmoid().tanh(), Tensor)
assert_type(a.softmax(dim=-1), Tensor)
assert_type(a.clamp(min=0.0), Tensor)
assert_type(a.float(), Tensor)
assert_type(a.double(), Tensor)
assert_type(a.long(), Tensor)
assert_type(a.to(np.float64), Tensor)
assert_type(a.detach(), Tensor)
assert_type(a.max(), Tensor)
assert_type(a.max(a), Tensor)
assert_type(a.max(1), return_types.max)
assert_type(a.max(dim=1), return_types.max)
assert_type(a.min(dim=0, keepdim=True), return_types.min)
assert_type(a.max(1).values, Tensor)
assert_type(a.sort(), return_types.sort)
assert_type(a.topk(2).indices, Tensor)
assert_type(a.split(2), tuple[Tensor, ...])
assert_type(a.unbind(), tuple[Tensor, ...])
assert_type(a[0, 0].item(), float | int | bool)
assert_type(a.shape, tuple[int, ...])

# in place
c = a.clone()
c += 1.0
assert_type(c, Tensor)
c *= a
assert_type(c.add_(a, alpha=2.0), Tensor)
assert_type(c.relu_(), Tensor)
assert_type(c.zero_(), Tensor)
c[0] = 1.0

# conversions
assert_type(float(a[0, 0]), float)
assert_type(bool(a[0, 0] > 0), bool)
assert_type(f"{a.sum():.3f}", str)
