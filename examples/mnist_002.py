"""Article 002: a 784-32-10 ReLU network on 5000 binarised MNIST digits, ReLU on the output too.

What the article did
    5000 random MNIST images, each pixel binarised (ink > 0 -> 1), split 70/15/15 into
    train/validation/test; a 784-32-10 network with ReLU after *both* layers, the output
    layer included, then softmax and cross-entropy; weights normal(0, 0.1), biases 0; SGD
    one sample at a time, lr 0.05, 5 epochs, each epoch training on the shuffled training
    set *and then on the validation set too*.  It claims "up to 97% accuracy (50 epochs)" for
    code that runs 5 epochs.  It mentions Xavier initialisation but does not use it.

What we reproduce
    That network, initialisation, loss, optimiser, schedule and data handling (training on
    the validation split included), with the article's evaluation: argmax accuracy on the
    test split.  The 5000 images are drawn, as the article's code does, from "MNIST
    original": the 60,000 training and 10,000 test images together.  Where the training
    files are missing (or ``--download`` cannot fetch them) they are drawn from the 10,000
    test images alone, and the output says so.
    Its "up to 97%": ``--full`` trains the same network on the 60,000 training images and
    tests it on the 10,000 test images, to show what the claim needs beyond 5000 images.

The article's mistake the framework shows up: dead output units
    softmax(relu(z)): wherever an output unit's z <= 0 its gradient is exactly 0 -- even when
    it is the right class.  A unit whose z goes negative on every image *of its own digit*
    is never pushed up by that digit again: its logit stays 0 there and the digit is lost
    (predicted only when every other logit is 0 too, where argmax picks the first index, so
    a dead digit 0 can survive by ties).  We count, per seed, the output units that are dead
    on all 5000 images (ReLU output 0 for every input; rare at this size) and those dead on
    every image of their own digit, and the digits never predicted; ``--seeds 5`` prints
    them with the accuracy: seeds with a lost digit lose about 10 points of accuracy each,
    hence the large spread.  Autograd gives exactly the article's hand-written backprop
    here (its ``(z > 0)`` mask is the true derivative of this network): the fault is the
    network, not the derivative.
    Minor: its ``relU_prime`` helper is wrong (``z * (z <= 0)``) but unused; its ``relU``
    overwrites its input in place; ``reg_lambda`` is never used; its softmax has no max
    shift and overflows for logits above ~709 (``nn.CrossEntropyLoss`` uses log-softmax).

What ``--improved`` changes, and why
    No ReLU on the output (softmax straight on the logits, so every class always gets a
    gradient), He initialisation for the ReLU layer and Xavier for the output layer (the
    article's fixed 0.1 ignores the layer sizes); the schedule: lr 0.02 (0.05 is large
    for single-sample steps) cosine-annealed to 0 instead of a constant 0.05; and data
    augmentation (``--augment``): every image trained on also shifted by one pixel down,
    up, right and left, 5x the images (a digit moved by a pixel is the same digit; without
    them the network reaches 100% train accuracy, i.e. it memorises), for 4 epochs -- as
    many steps as 20 epochs without.  Same 5000 images, split, network and per-sample SGD.
    Measured on the test set over 5 seeds (before ``--validate`` existed): the output fix
    and He/Xavier alone give 0.855 ± 0.013 (no better than the article's 0.862 then, on
    this pool, where the article's seeds lost no digit; later changes to the framework moved
    these per-sample runs a little, and the article's recipe now scores 0.849); lr 0.01
    gives 0.901, lr 0.01 for 15 epochs 0.920, and lr 0.02 cosine-annealed over 20 epochs
    0.924.  The augmentation was
    chosen on the validation split, never on the test set: ``--validate`` trains on the
    training split alone and scores on the article's validation split (750 images);
    seeds 1-2: the 20-epoch recipe 0.918, with the shifted copies for 4 epochs 0.935.

The training step: compiled
    ``step`` (forward, loss, backward, SGD update) goes through ``tg.compile``
    (``_common.compiled``): after a warm-up, a trace and a bit-for-bit check against eager,
    each sample's step replays as NumPy code, with the same numbers and far less Python per
    operation; the cosine schedule's learning rate is an argument of that program.
    ``--no-compile`` runs it eagerly: identical costs and accuracies.  Measured (training
    loop with its per-epoch evaluation, 1 BLAS thread, eager and compiled runs interleaved,
    2-core machine at load ~4): the article's 5 per-sample epochs 4.7 s eager, 2.8 s
    compiled (1.5x, median of 3); ``--improved`` (5x the images) 20.3 s and 12.2 s (1.7x,
    median of 2).

Run:  python examples/mnist_002.py --seeds 5            (article, dead units per seed)
      python examples/mnist_002.py --seeds 5 --improved
      python examples/mnist_002.py --seeds 2 --improved --validate   (how it was chosen)
      python examples/mnist_002.py --full --improved  (60,000 training images)
      python examples/mnist_002.py --hidden 64,32 --momentum 0.9 --lr 0.01
"""

from __future__ import annotations

import argparse
import time

import _common as common
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import (
    DataFileNotFoundError,
    DataLoader,
    DownloadError,
    TensorDataset,
    load_mnist,
)

NAME = "mnist_002"
ARTICLE_CLAIM = 0.97


def parse_args(argv=None):
    p = common.base_parser(NAME, __doc__, epochs=5, lr=0.05)
    p.add_argument("--hidden", type=common.int_list, default=(32,),
                   help="hidden layer sizes, e.g. 32 or 64,32")
    common.add_exercise_flags(p, activation="relu", dropout=True, l2=True,
                              augment=True)
    common.add_validate_flag(p)
    p.add_argument("--output-relu", action=argparse.BooleanOptionalAction, default=True,
                   help="the article's ReLU on the output layer, before the softmax")
    p.add_argument("--init", choices=["normal", "he"], default="normal",
                   help="normal(0, 0.1) (article) or He (ReLU layers) / Xavier (output)")
    p.add_argument("--images", type=common.positive_int, default=5000,
                   help="images drawn from the pool")
    p.add_argument("--full", action="store_true",
                   help="train on the 60,000 training images and test on the 10,000 test "
                        "images instead of the article's 5000-image sample")
    p.add_argument("--train-on-val", action=argparse.BooleanOptionalAction, default=True,
                   help="also train on the validation split each epoch, as the article")
    p.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                   help="learning rate: constant (article), or cosine-annealed to 0 over "
                        "the epochs (per step)")
    args = p.parse_args(argv)
    if args.improved:
        args.output_relu, args.init, args.schedule, args.augment = False, "he", "cosine", True
        if args.lr == p.get_default("lr"):
            args.lr = 0.02
        if args.epochs == p.get_default("epochs"):
            args.epochs = 4
    if args.tiny:
        args.images, args.epochs = min(args.images, 600), min(args.epochs, 2)
    return args


def load_pool(args):
    """(images, labels, description) of the article's pool, "MNIST original": the 60,000
    training and 10,000 test images together.  Without the training files (missing, and not
    fetched: with or without ``--download`` the same fallback) the test images alone."""
    test = load_mnist("test", data_dir=args.data_dir, download=args.download)
    try:
        train = load_mnist("train", data_dir=args.data_dir, download=args.download)
    except (DataFileNotFoundError, DownloadError) as err:
        missing = getattr(err, "path", None) or "the training images"
        print(f"note: {missing} not available; drawing from the test images only")
        return (*test, f"MNIST test images ({len(test[1]):,}; the training images are "
                       f"missing)")
    return (np.concatenate([train[0], test[0]]), np.concatenate([train[1], test[1]]),
            "MNIST original (70,000: the training and test images)")


def binarised(images):
    """(N, 28, 28) uint8 -> (N, 784) float32 in {0, 1}: ink > 0, as the article."""
    return (images.reshape(len(images), 784) > 0).astype(np.float32)


def load_splits(args, rng):
    """({"train", "val", "test"} -> (X, y), the data's description): the article's 5000
    images split 70/15/15, or with ``--full`` MNIST's own 60,000 / 10,000 split."""
    if args.full:
        def real():
            return (load_mnist("train", data_dir=args.data_dir, download=args.download),
                    load_mnist("test", data_dir=args.data_dir, download=args.download))

        def fake():
            return tuple(common.synthetic_images(rng, n, (28, 28), 10, binary=True,
                                                 scale=255.0) for n in (6000, 1000))
        (x_train, y_train), (x_test, y_test) = common.load_or_synthesize(args, real, fake,
                                                                         "MNIST")
        n_train, n_test = (600, 200) if args.tiny else (None, None)  # None: all of them
        x_train, y_train, x_test, y_test = (x_train[:n_train], y_train[:n_train],
                                            x_test[:n_test], y_test[:n_test])
        return ({"train": (binarised(x_train), y_train), "test": (binarised(x_test), y_test)},
                f"MNIST training images ({len(y_train)}), tested on its test images "
                f"({len(y_test)})")
    images, labels, pool = common.load_or_synthesize(
        args, lambda: load_pool(args),
        lambda: (*common.synthetic_images(rng, args.images, (28, 28), 10, binary=True,
                                          scale=255.0), "synthetic"), "MNIST")
    chosen = rng.permutation(len(images))[:args.images]
    X, y = binarised(images[chosen]), labels[chosen]
    n_train, n_val = int(0.7 * len(X)), int(0.15 * len(X))
    return ({"train": (X[:n_train], y[:n_train]),
             "val": (X[n_train:n_train + n_val], y[n_train:n_train + n_val]),
             "test": (X[n_train + n_val:], y[n_train + n_val:])}, pool)


def build_model(sizes, args, generator):
    model = common.mlp(sizes, args.activation, dropout=args.dropout,
                       output_activation="relu" if args.output_relu else None)
    layers = common.linear_layers(model)
    for i, layer in enumerate(layers):
        if args.init == "normal":  # the article: N(0, 0.1^2), biases 0
            nn.init.normal_(layer.weight, 0.0, 0.1, generator=generator)
        elif i < len(layers) - 1:  # He for the ReLU layers
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
        else:                      # Xavier for the linear output layer
            nn.init.xavier_normal_(layer.weight, generator=generator)
        nn.init.zeros_(layer.bias)
    return model


def train(args):
    rng = np.random.default_rng(args.seed)
    tg.manual_seed(args.seed)

    # ---- data: 5000 random images, binarised, 70/15/15 (or --full: MNIST's own split)
    splits, pool = load_splits(args, rng)
    if args.validate:  # the article's validation split (or, with --full, 20% of the training
        # images) stands in for the test set and is not trained on
        x_fit, y_fit, x_val, y_val = (
            (*splits["train"], *splits["val"]) if "val" in splits
            else common.validation_split(args.seed, *splits["train"]))
        splits = {"train": (x_fit, y_fit), "test": (x_val, y_val)}
    X = np.concatenate([x for x, _ in splits.values()])
    y = np.concatenate([labels for _, labels in splits.values()])
    drawn = "" if args.full else f"{len(X)} images drawn from the "
    print(f"data: {drawn}{pool}, binarised (pixel > 0); "
          + ", ".join(f"{k} {len(v[1])}" for k, v in splits.items()))
    # the images trained on, each with its 4 one-pixel shifts (--augment)
    splits.update({k: common.augment(args, *splits[k], (28, 28))
                   for k in ("train", "val") if k in splits})

    # ---- model, loss, optimiser
    sizes = (784, *args.hidden, 10)
    model = build_model(sizes, args, rng)
    loss_fn = nn.CrossEntropyLoss()   # log-softmax of the model's (ReLU'd) outputs
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                          nesterov=args.nesterov)
    parts = ("train", "val") if args.train_on_val and "val" in splits else ("train",)
    n_train = sum(len(splits[k][1]) for k in parts)
    steps = args.epochs * n_train
    scheduler = (optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
                 if args.schedule == "cosine" else None)
    loaders = [DataLoader(TensorDataset(*splits[name]), batch_size=1, shuffle=True,
                          generator=rng)
               for name in parts]
    print(f"model: {'-'.join(map(str, sizes))} {args.activation}, "
          f"{'ReLU then ' if args.output_relu else ''}softmax output, init {args.init}; "
          f"per-sample SGD lr={args.lr}{' cosine-annealed' * (scheduler is not None)}"
          f"{common.extras(args)}, {args.epochs} epochs on {' + '.join(parts)}")

    def evaluate():
        result = {}
        for name in ("train", "test"):
            xs, ys = splits[name]
            outputs = common.logits_of(model, xs)
            result[f"{name} cost"] = float(loss_fn(tg.Tensor(outputs), ys).item())
            result[f"{name} accuracy"] = common.accuracy(outputs.argmax(axis=1), ys)
        return result

    def step(xb, yb):
        """One SGD step on one sample: forward, loss, backward, update."""
        loss = loss_fn(model(xb), yb)
        if args.l2:
            loss = loss + nn.utils.l2_penalty(model, args.l2, n_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    step = common.compiled(step, args)

    # ---- training: per-sample SGD, train split then (as the article) validation split
    history = {key: [value] for key, value in evaluate().items()}
    start = time.perf_counter()
    bar = common.progress(range(args.epochs), desc=NAME, disable=args.quiet, unit="epoch")
    for _epoch in bar:
        model.train()
        for loader in loaders:
            for xb, yb in loader:
                step(xb, yb)
                if scheduler is not None:
                    scheduler.step()
        for key, value in evaluate().items():
            history[key].append(value)
        bar.set_postfix(cost=history["train cost"][-1], test_acc=history["test accuracy"][-1])
    seconds = time.perf_counter() - start

    # ---- evaluation: accuracy, and dead output units over all the drawn images
    outputs = common.logits_of(model, X)   # after the output ReLU, in the article's network
    silent = outputs <= 0                  # (image, unit): the unit's ReLU gives 0
    dead = np.flatnonzero(silent.all(axis=0)) if args.output_relu else np.array([], int)
    # dead for its own digit: 0 on every image of that digit, so its own class never pushes
    # it up again (the gradient through the ReLU is 0) -- the digit is lost
    dead_own = (np.array([k for k in range(10) if silent[y == k, k].all()], int)
                if args.output_relu else np.array([], int))
    test_acc = history["test accuracy"][-1]
    print(f"cost: {history['train cost'][0]:.4f} -> {history['train cost'][-1]:.4f}")
    print(f"test accuracy {test_acc:.4f} (the article claims up to {ARTICLE_CLAIM:.0%}), "
          f"train accuracy {history['train accuracy'][-1]:.4f}  ({seconds:.1f} s)")
    never = sorted(set(range(10)) - set(outputs.argmax(axis=1).tolist()))
    if args.output_relu:
        print(f"dead output units (ReLU output 0 on all {len(X)} images): {len(dead)} "
              f"{dead.tolist()}; dead on every image of their own digit: {len(dead_own)} "
              f"{dead_own.tolist()}; digits never predicted: {never}")

    if not args.no_plots:
        xs, ys = splits["test"]
        common.save_standard_plots(args, NAME, history, images=xs[:32],
                                   predicted=common.logits_of(model, xs[:32]).argmax(axis=1),
                                   true=ys[:32], image_shape=(28, 28),
                                   acc_ref=(ARTICLE_CLAIM, "article's claim"))
    return {"test_accuracy": test_acc, "train_accuracy": history["train accuracy"][-1],
            "dead_output_units": float(len(dead)),
            "dead_for_own_digit": float(len(dead_own)), "never_predicted": float(len(never)),
            "final_cost": history["train cost"][-1],
            "seconds": seconds, "pool": pool, "final_lr": optimizer.param_groups[0]["lr"],
            "history": history}


def main(argv=None):
    args = parse_args(argv)
    return common.run_seeds(train, args, ["test_accuracy", "train_accuracy",
                                          "dead_output_units", "dead_for_own_digit",
                                          "never_predicted", "final_cost", "seconds"])


if __name__ == "__main__":
    common.cli(main)
