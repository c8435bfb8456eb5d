"""Article 004: a 12288-20-7-5-1 ReLU network for cat vs non-cat, and why randn * 0.01 stalls it.

What the article did
    64x64 RGB images flattened to 12288 values and divided by 255; layers 12288-20-7-5-1,
    ReLU on the hidden layers, a sigmoid output and binary cross-entropy; weights
    randn * 0.01, biases 0; full-batch gradient descent, lr 0.0075, 2500 iterations,
    printing the cost every 100.  It trained on its own 13 images and reported 50% test
    accuracy on 24.  Its code is the deeplearning.ai course's L-layer model, written for the
    course's cat/non-cat set (209 train / 50 test images), which is what we use.

What we reproduce
    That network, initialisation, cost, optimiser and schedule on the 209/50 images, with
    its evaluation: accuracy of (output > 0.5) on the train and test sets.  The cost is
    ``nn.BCEWithLogitsLoss`` on the output logit -- the article's sigmoid + cross-entropy
    computed stably (its ``log(1 - A)`` is -inf once A rounds to 1).

The article's mistake the framework shows up: a vanishing signal
    With 0.01 * randn weights each layer multiplies the signal's scale by about
    0.01 * sqrt(fan_in) (halved by the ReLU): ~1 for the 12288-input layer, but ~0.02 for
    each of the next three.  Measured at the start: pre-activation std about 0.4, 1e-2,
    2e-4 and 1.5e-6 (the output logit), and the first layer's weight gradients about 1e-7,
    so gradient descent with lr 0.0075 cannot move them.  The script prints these scales;
    then the cost starts at ln 2 = 0.693 and only creeps to the entropy of the class balance
    (about 0.644, learnt through the output bias alone), and the network predicts the same
    class for every image: train accuracy = the non-cat share (137/209 = 65.6%), test
    accuracy = 34% (the test set is 2/3 cats).  The article's "50% accuracy. Not bad!" on
    its 24 images is exactly what a constant answer scores if 12 of them are cats (they are
    not public, so we cannot tell); its cost plot is labelled "per tens" for costs logged
    every 100 iterations.
    Also: the text writes Z = W^T A + b, but its W is (n_l, n_{l-1}), so it is W A + b.

What ``--improved`` changes, and why
    He initialisation (std sqrt(2 / fan_in), right for ReLU layers; the output layer gets
    1/sqrt(fan_in)), keeping everything else.  The signal then keeps its scale through the
    layers and the same 2500 iterations train the network; ``--init course`` is the
    randn / sqrt(fan_in) scaling the course itself used for this model.
    What else was tried, on a validation split and never on the test set (``--validate``:
    42 of the 209 training images held out; seeds 1-3, accuracy on them): nothing beat He
    initialisation beyond noise, so ``--improved`` stays at it.  The network does not
    generalise to held-out *training-set* images: He init scores 0.54 there, below the
    ~0.65 of answering "non-cat" every time (2/3 of them are non-cats, while 2/3 of the
    test images are cats).  Per-pixel standardised inputs 0.50; L2 lambda 1 0.57 (lambda
    5: 0.57 and 0.36 on seeds 1-2); horizontal flips of the training images 0.57 (seed 1);
    the course's initialisation 0.52; Adam lr 0.001 (``--optimizer adam``) 0.675, but one
    seed in three collapses to a constant answer, which this split rewards (lr 0.0003:
    0.52 on seed 1); the best iteration count on the curves was about 200-750, at the
    level of the constant answer.  deeplearning.ai's published 80% for this network is one
    seed (``np.random.seed(1)``) on the 50 test images; over 5 seeds the He recipe scores
    0.73 there (``examples/results.py``), and the course's own recipe (``--init course``,
    measured afterwards for comparison, not to choose) 0.75 ± 0.05, from 0.66 to 0.82 by
    seed: its 80% is a favourable seed of a 50-image test, not this network's typical score.

The comparison the article promises and never runs
    ``--model logistic``: logistic regression on the same 12288 inputs (the course's first
    model), with the same initialisation, optimiser and schedule.  One layer has no depth
    for the signal to vanish in, so randn * 0.01 trains it.

Your own pictures
    ``--images DIR`` trains on a folder with one subfolder of pictures per class
    (``DIR/cat/*.jpg``, ``DIR/non-cat/*.jpg``, torchvision's ImageFolder layout; needs
    Pillow), each resized to 64x64 as the article resizes its own picture, split 80/20 by
    the seed.  Class 1 (the sigmoid's "yes") is the second subfolder in sorted order.

The training step: compiled
    ``step`` (forward, cost, backward, update) goes through ``tg.compile``
    (``_common.compiled``): after a warm-up, a trace and a bit-for-bit check against eager
    it replays as NumPy code, with the same numbers.  ``--no-compile`` runs it eagerly:
    identical costs and accuracies.  The step is dominated by the (209, 12288) matrix
    products, so compiling gains little: measured (1 BLAS thread, eager and compiled
    interleaved, 2-core machine at load ~4) 15.5 ms eager and 14.2 ms compiled per step
    (1.03x), and whole runs equal within the machine's noise (27 s and 30 s, median of 2,
    with rounds from 0.73x to 1.11x).

Run:  python examples/catvnoncat_004.py                 (article; ~15 s)
      python examples/catvnoncat_004.py --improved
      python examples/catvnoncat_004.py --improved --validate   (how it was tuned)
      python examples/catvnoncat_004.py --model logistic
      python examples/catvnoncat_004.py --images ~/Pictures/catvnoncat --improved
      python examples/catvnoncat_004.py --init course --hidden 20,7,5
"""

from __future__ import annotations

import time

import _common as common
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataFormatError, load_catvnoncat, load_image_folder

NAME = "catvnoncat_004"
ARTICLE_TEST_ACCURACY = 0.50   # on its own 24 test images


def parse_args(argv=None):
    p = common.base_parser(NAME, __doc__, epochs=2500, lr=0.0075,
                           epochs_help="full-batch gradient-descent iterations")
    p.add_argument("--hidden", type=common.int_list, default=(20, 7, 5),
                   help="hidden layer sizes (the article's layer_dims without the ends)")
    common.add_exercise_flags(p, activation="relu", dropout=True, l2=True)
    common.add_validate_flag(p)
    p.add_argument("--init", choices=["article", "course", "he"], default="article",
                   help="randn * 0.01 (article), randn / sqrt(fan_in) (course), or He")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd",
                   help="full-batch gradient descent (article) or Adam")
    p.add_argument("--model", choices=["mlp", "logistic"], default="mlp",
                   help="the article's network, or logistic regression (12288-1) on the "
                        "same inputs")
    p.add_argument("--images", metavar="DIR", default=None,
                   help="train on your own pictures: DIR/<class>/<image>, two classes")
    args = p.parse_args(argv)
    if args.model == "logistic":
        args.hidden = ()
    if args.improved:
        args.init = "he"
    if args.tiny:
        args.epochs = min(args.epochs, 60)
    return args


def split_folder(root, rng, test_share=0.2):
    """Your pictures as the course's arrays: (train_x, train_y, test_x, test_y, classes),
    64x64x3 uint8, a seeded 80/20 split; two classes, label 1 = the second."""
    images, labels, classes = load_image_folder(root, size=(64, 64))
    if len(classes) != 2:
        raise DataFormatError(f"{root}: {len(classes)} class folders {list(classes)}; "
                              f"catvnoncat_004 is a yes/no network and needs exactly 2")
    order = rng.permutation(len(labels))
    n_test = max(1, round(test_share * len(labels)))
    test, train = order[:n_test], order[n_test:]
    return images[train], labels[train], images[test], labels[test], classes


def build_model(sizes, args, generator):
    model = common.mlp(sizes, args.activation, dropout=args.dropout)  # logit out
    layers = common.linear_layers(model)
    for i, layer in enumerate(layers):
        if args.init == "article":
            nn.init.normal_(layer.weight, 0.0, 0.01, generator=generator)
        elif args.init == "course" or i == len(layers) - 1:
            nn.init.normal_(layer.weight, 0.0, 1.0 / np.sqrt(layer.in_features),
                            generator=generator)
        else:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
        nn.init.zeros_(layer.bias)
    return model


def signal_scales(model, x, y):
    """Print, per Linear layer, the std of its output and of its weight's gradient."""
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    model.zero_grad()
    loss.backward()
    h = x
    print("at initialisation (std over the training set):")
    n = 0
    for layer in model:
        with tg.no_grad():
            h = layer(h)
        if isinstance(layer, nn.Linear):
            n += 1
            print(f"  layer {n}: pre-activation std {h.data.std():.1e}, "
                  f"weight-gradient std {layer.weight.grad.data.std():.1e}")
    model.zero_grad()


def train(args):
    rng = np.random.default_rng(args.seed)
    tg.manual_seed(args.seed)

    # ---- data: flatten the 64x64x3 images and divide by 255
    def synthetic():
        x, y = common.synthetic_images(rng, 259, (64, 64, 3), 2, scale=255.0)
        return x[:209], y[:209], x[209:], y[209:], ("non-cat", "cat")

    def real():
        if args.images is None:
            return load_catvnoncat(data_dir=args.data_dir, download=args.download)
        return split_folder(args.images, rng)

    train_x, train_y, test_x, test_y, classes = common.load_or_synthesize(
        args, real, synthetic, args.images or "cat vs non-cat")
    if args.tiny:
        train_x, train_y, test_x, test_y = train_x[:64], train_y[:64], test_x[:32], test_y[:32]
    if args.validate:
        train_x, train_y, test_x, test_y = common.validation_split(args.seed, train_x, train_y)
    x_train = tg.Tensor(train_x.reshape(len(train_x), -1).astype(np.float32) / 255.0)
    x_test = tg.Tensor(test_x.reshape(len(test_x), -1).astype(np.float32) / 255.0)
    y_train = train_y.astype(np.float32)[:, None]
    print(f"data: {len(train_y)} train ({int(train_y.sum())} {classes[1]}) / {len(test_y)} "
          f"test ({int(test_y.sum())} {classes[1]}) images, 64x64x3 -> 12288 values in "
          f"[0, 1]")

    # ---- model, loss, optimiser
    sizes = (x_train.shape[1], *args.hidden, 1)
    model = build_model(sizes, args, rng)
    loss_fn = nn.BCEWithLogitsLoss()  # = the article's sigmoid + binary cross-entropy
    optimizer = (optim.Adam(model.parameters(), lr=args.lr) if args.optimizer == "adam" else
                 optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                           nesterov=args.nesterov))
    kind = f"{args.activation} hidden" if args.hidden else "logistic regression"
    print(f"model: {'-'.join(map(str, sizes))}, {kind}, sigmoid output, "
          f"init {args.init}; full-batch {'Adam' if args.optimizer == 'adam' else 'GD'} "
          f"lr={args.lr}{common.extras(args)}, "
          f"{args.epochs} iterations")
    signal_scales(model, x_train, y_train)

    def step(x, y):
        """One gradient step on the whole training set; returns (cost, logits)."""
        logits = model(x)
        cost = loss_fn(logits, y)
        if args.l2:
            cost = cost + nn.utils.l2_penalty(model, args.l2, len(y_train))
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        return cost, logits

    step = common.compiled(step, args)
    y_train_t = tg.Tensor(y_train)

    # ---- training: one gradient step per iteration on all 209 images
    costs, train_acc, test_acc = [], [], []
    start = time.perf_counter()
    bar = common.progress(range(args.epochs), desc=NAME, disable=args.quiet, unit="it")
    for it in bar:
        model.train()
        cost, logits = step(x_train, y_train_t)
        costs.append(cost.item())
        train_acc.append(common.accuracy(logits.data[:, 0] > 0, train_y))  # sigmoid > 0.5
        test_acc.append(common.accuracy(common.logits_of(model, x_test.data)[:, 0] > 0,
                                        test_y))
        if it % 100 == 0:  # as the article
            bar.set_postfix(cost=costs[-1], train_acc=train_acc[-1])
            bar.write(f"cost after iteration {it}: {costs[-1]:.6f}")
    seconds = time.perf_counter() - start

    # ---- evaluation
    p_train = common.logits_of(model, x_train.data)[:, 0] > 0
    p_test = common.logits_of(model, x_test.data)[:, 0] > 0
    cat_share = float(np.mean(np.concatenate([p_train, p_test])))
    print(f"cost: {costs[0]:.4f} -> {costs[-1]:.4f} (ln 2 = 0.6931)")
    print(f"train accuracy {common.accuracy(p_train, train_y):.4f}, test accuracy "
          f"{common.accuracy(p_test, test_y):.4f} (article: {ARTICLE_TEST_ACCURACY:.0%} on its "
          f"own 24 images)  ({seconds:.1f} s)")
    print(f"images predicted '{classes[1]}': {cat_share:.1%}"
          + ("  <- one class for every image" if cat_share in (0.0, 1.0) else ""))

    if not args.no_plots:
        history = {"train cost": costs, "train accuracy": train_acc, "test accuracy": test_acc}
        common.save_standard_plots(args, NAME, history, images=test_x[:24],
                                   predicted=p_test[:24].astype(int), true=test_y[:24],
                                   class_names=classes, xlabel="iteration",
                                   cost_ref=(np.log(2.0), "ln 2"))
    return {"test_accuracy": common.accuracy(p_test, test_y),
            "train_accuracy": common.accuracy(p_train, train_y),
            "predicted_cat_share": cat_share, "final_cost": costs[-1], "seconds": seconds,
            "history": {"train cost": costs, "train accuracy": train_acc,
                        "test accuracy": test_acc}}


def main(argv=None):
    args = parse_args(argv)
    return common.run_seeds(train, args, ["test_accuracy", "train_accuracy",
                                          "predicted_cat_share", "final_cost", "seconds"])


if __name__ == "__main__":
    common.cli(main)
