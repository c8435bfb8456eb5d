"""PyTorch's ``torch.return_types``: the named tuples that ``max(dim)``, ``sort``, ``topk``
... return, so that ``values, indices = x.max(1)`` and ``x.max(1).values`` both work."""

from __future__ import annotations

from collections import namedtuple


def _make(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    cls = namedtuple(name, fields)
    cls.__module__ = __name__
    cls.__qualname__ = name
    cls.__repr__ = lambda self: f"{__name__}.{name}(" + ", ".join(
        f"{f}={v!r}" for f, v in zip(fields, self)) + ")"
    return cls


max = _make("max")
min = _make("min")
sort = _make("sort")
topk = _make("topk")
median = _make("median")
mode = _make("mode")
kthvalue = _make("kthvalue")
aminmax = _make("aminmax", ("min", "max"))
