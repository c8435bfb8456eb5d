"""Fused `Function`s behind `nn.functional` where composing primitives is slower or less exact.

All follow the contract of ``tinygrad_edu.autograd``: ``backward`` is written with
operators and ``Op.call`` so that it is recorded under ``create_graph=True`` (the tests run
gradcheck and gradgradcheck on them).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..autograd import Function
from ..ops.activation import Sigmoid, Softplus
from ..ops.softmax import Softmax
from ..promotion import check_same_dtype
from ..tensor import Tensor


class LinearFunction(Function):
    """out = x @ w^T + b for x (..., in), w (out, in), b (out,) or None.

    dx = g @ w;  dw = g^T @ x and db = sum of g, both over all leading axes.
    One op instead of transpose, matmul and add: a quarter off a per-sample training step
    of article 001's 64-200-10 MLP (about 350 -> 260 us).
    """

    saves_output = False

    def save_inputs(self, arrays):
        """x is needed only for dw, w only for dx; b never."""
        x, w = arrays[0], arrays[1]
        return (x if self.next[1] is not None else None,
                w if self.next[0] is not None else None) + (None,) * (len(arrays) - 2)

    def forward(self, x, w, b=None):
        if x.dtype is not w.dtype or (b is not None and b.dtype is not w.dtype):
            check_same_dtype("linear", "input, weight and bias" if b is not None
                             else "input and weight", *(x, w) if b is None else (x, w, b))
        self.w_shape = w.shape
        out = x @ w.T
        if b is not None:
            out = out + b
        return out

    def backward(self, g, out, x, w, b=None):
        n_out, n_in = self.w_shape
        g2 = g if g.ndim == 2 else g.reshape(-1, n_out)  # every leading axis is a sample
        gx = g @ w if self.needs_grad(0) else None
        gw = gb = None
        if self.needs_grad(1):
            x2 = x if x.ndim == 2 else x.reshape(-1, n_in)
            # one sample: an outer product, which broadcasting does in half BLAS's time
            gw = g2.T @ x2 if len(g2) != 1 else g2.reshape(n_out, 1) * x2
        if len(self.next) == 3 and self.needs_grad(2):  # b is not saved: test its node
            gb = _sum_rows(g2) if len(g2) != 1 else g2.reshape(n_out)
        return gx, gw, gb


def _sum_rows(a):
    """``a.sum(axis=0)`` of an ndarray (by the ufunc: ``ndarray.sum``'s Python wrapper costs
    more than summing a small batch) or of a Tensor (under ``create_graph``)."""
    return np.add.reduce(a, axis=0) if isinstance(a, np.ndarray) else a.sum(axis=0)


class BCEWithLogitsFunction(Function):
    """Elementwise binary cross-entropy on logits x with targets t.

    loss = max(x, 0) - t x + log1p(e^-|x|)  [+ (pos_weight - 1) t softplus(-x)]: the same
    as (1 - t) x + lw softplus(-x) with lw = 1 + (pos_weight - 1) t, written so that it is
    finite for any finite x and exact for hard labels on both sides (no x - x cancellation);
    at x = +-inf PyTorch's values (`_loss_at_infinite_logit`).
    Gradients, smooth everywhere (no kink at x = 0, unlike a composition of relu and abs):

    * dx = g (sigmoid(x) - t) without pos_weight, g ((1 - t) - lw sigmoid(-x)) with it;
    * dt = g (-x + (pos_weight - 1) softplus(-x));  dpos_weight = g t softplus(-x).
    """

    saves_output = False

    def forward(self, x, t, pos_weight=None):
        infinite = np.isinf(x)
        any_infinite = infinite.any()
        finite = np.where(infinite, 0, x) if any_infinite else x
        log_term = np.log1p(np.exp(-np.abs(finite)))
        loss = np.maximum(finite, 0) - t * finite + log_term
        if pos_weight is not None:
            loss += (pos_weight - 1) * t * (np.maximum(-finite, 0) + log_term)
        if any_infinite:
            loss = np.where(infinite, _loss_at_infinite_logit(x, t), loss)
        return loss

    def backward(self, g, out, x, t, pos_weight=None):
        gx = gt = gp = None
        if pos_weight is None:
            if self.needs_grad(0):
                gx = g * (Sigmoid.call(x) - t)
            if self.needs_grad(1):
                gt = -(g * x)
            return gx, gt
        if self.needs_grad(0):
            gx = g * ((1 - t) - (1 + (pos_weight - 1) * t) * Sigmoid.call(-x))
        if self.needs_grad(1) or self.needs_grad(2):
            sp = Softplus.call(-x)
            if self.needs_grad(1):
                gt = g * ((pos_weight - 1) * sp - x)
            if self.needs_grad(2):
                gp = g * t * sp
        return gx, gt, gp


def _loss_at_infinite_logit(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """PyTorch's values at x = +-inf, without warnings: (1 - t) * inf at +inf (inf for
    t < 1, NaN for t = 1, as its 0 * inf), NaN at -inf (its inf - inf)."""
    at_plus = np.where(t < 1, np.inf, np.where(t > 1, -np.inf, np.nan))
    return np.where(x > 0, at_plus, np.nan)


class CrossEntropyFunction(Function):
    """Cross-entropy of logits x against constant targets along ``axis``: class indices
    (integers, x's shape without ``axis``) or class distributions q (x's shape).

    loss_n = -sum_c q_nc log softmax(x_n)_c = lse(x_n) sum_c q_nc - sum_c q_nc x_nc, which for
    an index y_n is lse(x_n) - x_n,y_n; then averaged ('mean', over the loss elements),
    summed ('sum') or kept ('none').  dx = g_n (softmax(x_n) sum_c q_nc - q_n), q one-hot for
    indices.  One op instead of six (log_softmax, *, sum, neg, mean), and indices are used as
    indices: x_n,y_n is read, and the 1 of the one-hot subtracted, at flat positions (no
    one-hot array): the per-sample training loop of article 001 spends most of its time in
    per-op overhead.  The target gets no gradient (indices, or probabilities that do not
    require grad; ``cross_entropy`` composes primitives otherwise).
    """

    saves_output = False

    def save_inputs(self, arrays):
        return arrays[0], None  # x only for create_graph (softmax recomputed on Tensors)

    def forward(self, x, target, axis=1, reduction="mean"):
        self.axis, self.reduction = axis, reduction
        m = np.maximum.reduce(x, axis=axis, keepdims=True)  # the ufunc: x.max's wrapper
        p = np.subtract(x, m, order="C")                     # costs more on a small batch;
                                                             # C order: see `_flat_positions`
        np.exp(p, out=p)
        s = np.add.reduce(p, axis=axis, keepdims=True)
        p /= s
        self.p = p
        log_s = np.log(s, out=s)  # log-sum-exp - m, with x's axes (size 1 on ``axis``)
        self.keep_shape = log_s.shape
        # loss = log_s - (x - m)·q: x - m before anything is added to m (lse - x would
        # cancel catastrophically for large logits)
        if target.dtype.kind == "f":
            self.q, self.picks = target, None
            self.qsum = target.sum(axis=axis, keepdims=True)
            loss = (log_s * self.qsum - ((x - m) * target).sum(axis=axis, keepdims=True))
            loss = loss.squeeze(axis)
        else:
            self.q, self.picks = None, _flat_positions(target, x.shape, axis)
            loss = log_s.reshape(target.shape) - (x.reshape(-1)[self.picks]
                                                  - m.reshape(target.shape))
        self.count = loss.size
        if reduction == "none":
            return loss
        total = np.add.reduce(loss, axis=None)
        if reduction == "sum":
            return total
        return total / loss.size if loss.size else np.array(np.nan, x.dtype)  # as PyTorch

    def backward(self, g, out, x, target):
        if self.reduction == "none":
            g_x = g.reshape(self.keep_shape)  # one per loss element, on x's axes
        else:  # 0-d; on ndarrays a Python number, cheaper to scale and broadcast
            count = max(self.count, 1)  # an empty batch has no gradient to scale
            mean = self.reduction == "mean"
            if isinstance(g, np.ndarray) and type(g) is not np.ndarray:
                # compile's traced array stays an array, with a Python number's rounding
                g = (g.astype(np.float64) / count).astype(g.dtype) if mean else g
            else:
                g = g if isinstance(g, Tensor) else g.item()
                g = g / count if mean else g
            g_x = g
        if self.picks is None:
            p = Softmax.call(x, axis=self.axis) if isinstance(x, Tensor) else self.p
            return (p * self.qsum - self.q) * g_x, None
        if isinstance(x, Tensor):  # create_graph: the same formula, recorded
            q = np.zeros(self.p.shape, self.p.dtype)
            q.reshape(-1)[self.picks] = 1
            return (Softmax.call(x, axis=self.axis) - q) * g_x, None
        d = self.p * g_x  # (p - one_hot) g without building the one-hot array
        d.reshape(-1)[self.picks] -= g
        return d, None


def _flat_positions(index: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """For class indices ``index`` (``shape`` without ``axis``): the C-order flat position,
    in an array of ``shape``, of each index's element (``x.reshape(-1)[...]`` is then
    ``np.take_along_axis``, many times cheaper on a small batch)."""
    stride = math.prod(shape[axis + 1:])
    zero = _class_zero_positions(shape, axis)
    index = index.astype(np.intp, copy=False)  # uint64 + intp would be float64
    return zero + index if stride == 1 else zero + index * stride


@functools.lru_cache(maxsize=8)
def _class_zero_positions(shape: tuple[int, ...], axis: int) -> np.ndarray:
    """The flat positions of class 0: n * C * inner + i for the outer position n and the
    inner one i (read-only, cached: a training loop reuses a few shapes)."""
    inner = math.prod(shape[axis + 1:])
    outer = np.arange(math.prod(shape[:axis])) * (shape[axis] * inner)
    zero = (outer[:, None] + np.arange(inner)).reshape(shape[:axis] + shape[axis + 1:])
    zero.flags.writeable = False
    return zero
