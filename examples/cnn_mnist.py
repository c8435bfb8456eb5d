"""A LeNet-style convolutional network on the full MNIST: 60,000 training images, 10,000 test.

What it is
    Not an article's network: the step after article 002, whose 784-32-10 MLP sees each
    image as 784 unrelated numbers.  Here the first layer slides 6 learnt 5x5 filters over
    the picture, so what it learns about a stroke holds wherever the stroke is:

        conv 1->6 5x5 (padding 2) - ReLU - max-pool 2x2 - conv 6->16 5x5 - ReLU -
        max-pool 2x2 - flatten (16*5*5 = 400) - 120 - ReLU - 84 - ReLU - 10

    (LeCun et al. 1998's LeNet-5 with ReLU and max pooling), softmax cross-entropy, Adam
    from lr 0.002 cosine-annealed to 0 over the run (step by step), mini-batches of 64
    reshuffled every epoch, 3 epochs, PyTorch's default initialisation.  Pixels are scaled
    to [0, 1] and standardised with the training set's mean and std (0.1307, 0.3081).  The
    target is at least 0.985 test accuracy in 3 epochs.

What it writes
    cost.png (the cross-entropy on a fixed 5000-image slice of the training set, and on
    the test set, after every epoch), accuracy.png, predictions.png (32 test images),
    filters.png (the six learnt first-layer 5x5 filters: stroke and edge detectors) and
    confusion.png (true digit against predicted digit on the 10,000 test images).

Flags
    The examples' common ones (``--epochs --lr --seed --seeds --data-dir --download --out
    --threads --no-plots --quiet --synthetic``); ``--tiny`` (alias ``--quick``): 2000
    training and 500 test images, one epoch (for tests); ``--batch-size``;
    ``--improved``: BatchNorm2d after each convolution (and no convolution bias).

The training step: compiled
    ``step`` (forward, loss, backward, Adam update) goes through ``tg.compile``
    (``_common.compiled``): after a warm-up, a trace and a bit-for-bit check against eager
    it replays as NumPy code, with the same numbers; the learning rate the cosine schedule
    sets is an argument of that program.  ``--no-compile`` runs it eagerly: identical costs
    and accuracies.  With ``--improved`` (BatchNorm) the checks of the step (a NaN in
    max-pooling, labels out of range) still come before the running statistics' update.
    Convolutions are large array operations, so compiling gains little:
    measured (1 BLAS thread, eager and compiled interleaved, 2-core machine at load 4-6) a
    batch-64 step 39.4 ms eager, 37.1 ms compiled (1.09x); one epoch 36.5 s and 29.3 s
    (median of 2, rounds 1.05x and 1.44x: the machine's noise is as large as the gain).

Run:  python examples/cnn_mnist.py              (0.990 test accuracy; 12 minutes on a busy
                                                 2-core machine)
      python examples/cnn_mnist.py --improved --seeds 3
"""

from __future__ import annotations

import time

import _common as common
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, load_mnist

NAME = "cnn_mnist"
MEAN, STD = 0.1307, 0.3081  # the training images' pixel mean and std (of pixels / 255)
COST_SLICE = 5000           # training images the per-epoch train cost is measured on


def parse_args(argv=None):
    p = common.base_parser(NAME, __doc__, epochs=3, lr=0.002)
    p.add_argument("--quick", dest="tiny", action="store_true", help="the same as --tiny")
    p.add_argument("--batch-size", type=common.positive_int, default=64, help="mini-batch")
    args = p.parse_args(argv)
    if args.tiny:
        args.epochs = min(args.epochs, 1)
    args.mode_label = "LeNet-5" + (" + BatchNorm2d" if args.improved else "")
    if args.out is None:
        args.out = f"runs/{NAME}/{'batchnorm' if args.improved else 'lenet5'}"
    return args


def build_model(batch_norm: bool) -> nn.Sequential:
    """LeNet-5 with ReLU and max pooling; with ``batch_norm`` a BatchNorm2d after each
    convolution (which then needs no bias: the norm's own bias replaces it)."""
    def conv(c_in, c_out, **kw):
        layers = [nn.Conv2d(c_in, c_out, 5, bias=not batch_norm, **kw)]
        return [*layers, nn.BatchNorm2d(c_out)] if batch_norm else layers

    return nn.Sequential(
        *conv(1, 6, padding=2), nn.ReLU(), nn.MaxPool2d(2),     # (N, 6, 14, 14)
        *conv(6, 16), nn.ReLU(), nn.MaxPool2d(2),               # (N, 16, 5, 5)
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def load(args, rng):
    """(train images, train labels, test images, test labels): (N, 1, 28, 28) float32
    standardised, int64 labels."""
    def real():
        return (*load_mnist("train", data_dir=args.data_dir, download=args.download),
                *load_mnist("test", data_dir=args.data_dir, download=args.download))

    def synthetic():
        xs, ys = common.synthetic_images(rng, 2500, (28, 28), 10, scale=255.0)
        return xs[:2000], ys[:2000], xs[2000:], ys[2000:]

    x_train, y_train, x_test, y_test = common.load_or_synthesize(
        args, real, synthetic, "MNIST")
    if args.tiny:
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], \
            y_test[:500]

    def prepare(x):
        return ((x.astype(np.float32) / 255.0 - MEAN) / STD).reshape(-1, 1, 28, 28)

    return prepare(x_train), y_train, prepare(x_test), y_test


def train(args):
    rng = np.random.default_rng(args.seed)
    tg.manual_seed(args.seed)  # the layers' default initialisation draws from it
    x_train, y_train, x_test, y_test = load(args, rng)
    print(f"data: {len(x_train)} training / {len(x_test)} test images, 1x28x28, "
          f"standardised")

    model = build_model(args.improved)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True, generator=rng)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: LeNet-5 (ReLU, max pooling{', BatchNorm2d' if args.improved else ''}), "
          f"{n_params} parameters; Adam lr={args.lr} cosine-annealed to 0, batch "
          f"{args.batch_size}, "
          f"{args.epochs} epochs")

    x_cost, y_cost = x_train[:COST_SLICE], y_train[:COST_SLICE]

    def evaluate():
        result = {}
        for split, xs, ys in (("train", x_cost, y_cost), ("test", x_test, y_test)):
            logits = common.logits_of(model, xs, batch_size=1000)
            result[f"{split} cost"] = float(loss_fn(tg.Tensor(logits), ys).item())
            result[f"{split} accuracy"] = common.accuracy(logits.argmax(axis=1), ys)
        return result

    def step(xb, yb):
        """One Adam step on a mini-batch: forward, loss, backward, update."""
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    step = common.compiled(step, args)
    history = {key: [value] for key, value in evaluate().items()}
    start = time.perf_counter()
    bar = common.progress(range(1, args.epochs + 1), desc=NAME, disable=args.quiet,
                          unit="epoch")
    for epoch in bar:
        model.train()
        for xb, yb in common.progress(loader, desc=f"epoch {epoch}", disable=args.quiet,
                                      unit="batch", leave=False):
            step(xb, yb)
            schedule.step()
        metrics = evaluate()
        for key, value in metrics.items():
            history[key].append(value)
        bar.set_postfix(cost=metrics["train cost"], test_acc=metrics["test accuracy"])
        bar.write(f"epoch {epoch}: train cost {metrics['train cost']:.4f}, test accuracy "
                  f"{metrics['test accuracy']:.4f}")
    seconds = time.perf_counter() - start

    logits = common.logits_of(model, x_test, batch_size=1000)
    predicted = logits.argmax(axis=1)
    print(f"test accuracy {history['test accuracy'][-1]:.4f} (target 0.985), train-slice "
          f"accuracy {history['train accuracy'][-1]:.4f}  ({seconds:.1f} s)")
    if not args.no_plots:
        common.save_standard_plots(args, NAME, history, images=x_test[:32, 0] * STD + MEAN,
                                   predicted=predicted[:32], true=y_test[:32])
        common.save_conv_plots(args, NAME, model[0].weight, predicted, y_test)
    return common.run_result(history, seconds)


def main(argv=None):
    args = parse_args(argv)
    return common.run_seeds(train, args, common.CLASSIFIER_METRICS)


if __name__ == "__main__":
    common.cli(main)
