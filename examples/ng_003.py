"""Article 003: a scikit-learn-style sigmoid network trained by SciPy's TNC, on 20x20 digits.

What the article did
    A ``NeuralNetwork`` class with ``fit`` and ``predict`` (scikit-learn style) for a network
    400-(hidden)-10, the logistic function on every layer, output included; cost = binary
    cross-entropy summed over the 10 outputs and averaged over the samples, plus
    lambda/(2m) sum(w^2) without the biases; every parameter N(0, 1); all parameters
    flattened into one vector and handed to ``scipy.optimize.minimize(method="TNC",
    jac=...)`` with its own backprop gradient.  Data: the 5000 20x20 grey digits of Andrew
    Ng's Coursera exercise 4 (500 per digit).

What we reproduce
    The class (`NeuralNetworkClassifier` below: ``fit``, ``predict``, ``predict_proba``,
    ``score``), built on ``nn.Sequential`` and ``optim.minimize``, the framework's bridge to
    SciPy: it flattens the parameters, gives SciPy the cost with its *exact* gradient from
    autograd and, for Newton-CG, exact Hessian-vector products (double backward).  400-25-10
    with lambda = 1, the course's values; TNC as the article, and L-BFGS-B and Newton-CG to
    compare (``--method``); the accuracy of ``predict`` on a held-out 20% (the article does
    not say how it measured), and on the training set.

    The data: the Coursera images are not in the shared data folder (only their labels).
    When ``load_ng_digits`` cannot find them the script says so and uses a STAND-IN: 5000
    MNIST images, 500 per digit, shrunk to 20x20 by area averaging and scaled to [0, 1]
    (``tinygrad_edu.data.mnist_20x20_standin``; the course built its set the same way from
    MNIST, so the task is similar but the figures are not the article's).  The MNIST pool
    is its training images when present, else its test images; the output says which.

The article's mistakes the framework shows up
    * The gradient it hands TNC is not the gradient of the cost it hands TNC.  Its coded
      cost forgets lambda (it adds sum(w^2)/(2m) whatever lambda is) and its coded gradient
      regularises the bias rows, which no cost penalises.  The script measures it with
      autograd: the exact gradient of the article's coded cost against the gradient its
      code computes (autograd of the penalty it differentiates) -- different unless
      lambda = 0.  With the framework ``fun`` and ``jac`` cannot disagree.
    * ``options={"maxiter": ...}`` is not a TNC option in current SciPy (TNC counts function
      evaluations, ``maxfun``): SciPy warns and ignores it, so the article's ``max_iter``
      silently does nothing.  The class maps ``max_iter`` to ``maxfun`` for TNC, which is
      what the article's own docstring says it means.
    * N(0, 1) weights on 400 inputs give first-layer pre-activations with a standard
      deviation of several units: many sigmoids start saturated and the optimiser spends
      its budget getting out.

What ``--improved`` changes, and why
    Xavier initialisation (sigmoid layers start unsaturated) and L-BFGS-B (a quasi-Newton
    method that makes better use of a fixed budget of gradient evaluations than TNC), same
    cost, lambda and budget.  ``--method Newton-CG`` uses exact Hessian-vector products.

The training step is not compiled
    The other examples pass their training step to ``tg.compile`` (``--no-compile`` runs it
    eagerly).  Here SciPy drives the loop: ``optim.minimize`` gives SciPy a function that
    loads its vector into the parameters and returns the cost and the gradient (and, for
    Newton-CG, Hessian-vector products by double backward), computed inside the library's
    bridge, and SciPy decides from the values where to evaluate next.  There is no step of
    the example's own to compile, so it runs eagerly and has no ``--no-compile`` flag.

Run:  python examples/ng_003.py                    (article: TNC)
      python examples/ng_003.py --method all        (TNC, L-BFGS-B and Newton-CG)
      python examples/ng_003.py --improved
"""

from __future__ import annotations

import time

import _common as common
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import (
    DataFileNotFoundError,
    load_mnist,
    load_ng_digits,
    mnist_20x20_standin,
    one_hot,
)

NAME = "ng_003"
METHODS = ("TNC", "L-BFGS-B", "Newton-CG")


class NeuralNetworkClassifier:
    """The article's class on the framework: sigmoid layers, BCE + L2, SciPy on the flat vector.

    ``hidden_layers``: tuple of hidden sizes; ``regularization_parameter``: lambda;
    ``max_iter``: the optimiser's budget (function evaluations for TNC, iterations for the
    others); ``method``: any ``scipy.optimize.minimize`` method; ``init``: "article" (every
    parameter N(0, 1)) or "xavier"; ``random_state``: seed.  After ``fit``: ``model_`` (the
    ``nn.Sequential``), ``classes_``, ``result_`` (SciPy's result), ``loss_curve_`` (cost
    after each iteration) and, with ``eval_set``, ``train_score_curve_`` /
    ``test_score_curve_``.
    """

    def __init__(self, hidden_layers=(25,), regularization_parameter=1.0, max_iter=200,
                 method="TNC", init="article", random_state=None, progress=False):
        self.hidden_layers = tuple(hidden_layers)
        self.regularization_parameter = regularization_parameter
        self.max_iter = max_iter
        self.method = method
        self.init = init
        self.random_state = random_state
        self.progress = progress

    # -- the network and its cost ------------------------------------------------------
    def _build(self, n_in, n_out, rng):
        model = common.mlp((n_in, *self.hidden_layers, n_out), "sigmoid").double()
        for layer in common.linear_layers(model):
            if self.init == "article":
                nn.init.normal_(layer.weight, 0.0, 1.0, generator=rng)
                nn.init.normal_(layer.bias, 0.0, 1.0, generator=rng)
            else:
                nn.init.xavier_normal_(layer.weight, generator=rng)
                nn.init.zeros_(layer.bias)
        return model

    def _cost(self, x, Y):
        """J = (1/m) sum BCE(sigmoid(z), Y) + lambda/(2m) sum(w^2), biases excluded."""
        m = len(Y)
        data = nn.BCEWithLogitsLoss(reduction="sum")(self.model_(x), Y) / m
        return data + nn.utils.l2_penalty(self.model_, self.regularization_parameter, m)

    # -- scikit-learn interface ----------------------------------------------------------
    def fit(self, X, y, eval_set=None):
        """Train on X (m, n) and labels y (m,) (or a one-hot (m, k) matrix, as the article)."""
        y = np.asarray(y)
        labels = y.argmax(axis=1) if y.ndim == 2 else y
        self.classes_ = np.unique(labels) if y.ndim == 1 else np.arange(y.shape[1])
        index = np.searchsorted(self.classes_, labels)
        Y = one_hot(index, len(self.classes_)).astype(np.float64)
        x = tg.Tensor(np.asarray(X, dtype=np.float64))
        rng = np.random.default_rng(self.random_state)
        self.model_ = self._build(x.shape[1], Y.shape[1], rng)

        self.loss_curve_, self.train_score_curve_, self.test_score_curve_ = [], [], []
        bar = common.progress(total=self.max_iter, desc=self.method,
                              disable=not self.progress, unit="it")

        def record(*_):
            """SciPy calls this after each iteration (the parameters are then at x_k)."""
            with tg.no_grad():
                self.loss_curve_.append(self._cost(x, Y).item())
            if eval_set is not None:
                self.train_score_curve_.append(self.score(X, labels))
                self.test_score_curve_.append(self.score(*eval_set))
            bar.update(1)
            bar.set_postfix(cost=self.loss_curve_[-1])

        budget = {"maxfun" if self.method.upper() == "TNC" else "maxiter": self.max_iter}
        record()  # the starting point
        self.result_ = optim.minimize(self.model_, lambda: self._cost(x, Y),
                                      method=self.method, callback=record, **budget)
        bar.close()
        return self

    def predict_proba(self, X):
        """The 10 sigmoid outputs, (m, 10): each P(digit k) of its own yes/no question, so a
        row need not sum to 1 (the article's network, not a softmax)."""
        with tg.no_grad():
            return self.model_(tg.Tensor(np.asarray(X, dtype=np.float64))).sigmoid().data

    def predict(self, X):
        """The class of the largest output (the article returns it one-hot)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y):
        """Mean accuracy, as scikit-learn's classifiers."""
        return common.accuracy(self.predict(X), np.asarray(y))


def show_the_articles_jac_mismatch(X, y, lambd, seed):
    """Autograd's exact gradient of the article's *coded* cost vs the gradient its code gives.

    Coded cost: BCE + sum(w^2)/(2m) (no lambda, biases excluded).  Coded gradient: that of
    BCE + lambda/(2m) sum(w^2 and b^2) (every row, bias row included).
    """
    clf = NeuralNetworkClassifier(random_state=seed)
    clf.model_ = clf._build(X.shape[1], 10, np.random.default_rng(seed))
    x, Y, m = tg.Tensor(X), one_hot(y, 10).astype(np.float64), len(y)
    params = list(clf.model_.parameters())
    bce = nn.BCEWithLogitsLoss(reduction="sum")(clf.model_(x), Y) / m
    if lambd:  # the coded cost adds its lambda-less penalty only when lambda != 0
        coded_cost = bce + nn.utils.l2_penalty(clf.model_, 1.0, m)
        coded_jac_of = bce + nn.utils.l2_penalty(clf.model_, lambd, m, include_bias=True)
    else:
        coded_cost = coded_jac_of = bce
    exact = tg.grad(coded_cost, params, retain_graph=True)
    coded = tg.grad(coded_jac_of, params)
    diff = max(float(np.abs(a.data - b.data).max()) for a, b in zip(exact, coded))
    size = max(float(np.abs(a.data).max()) for a in exact)
    print(f"the article's jac vs the exact gradient of its coded cost (lambda={lambd}): "
          f"max |diff| {diff:.2e} (largest gradient entry {size:.2e})")
    return diff


def load_digits_20x20(args):
    """(X (5000, 400) column-major pixels, y, description): the Coursera set or the stand-in."""
    try:
        X, y = load_ng_digits(data_dir=args.data_dir, download=args.download)
        return X, y, "the Coursera ex4 digits"
    except DataFileNotFoundError as err:
        print(f"note: {str(err).split(' (')[0]}")
    try:
        images, labels = load_mnist("train", data_dir=args.data_dir, download=args.download)
        pool = "training"
    except DataFileNotFoundError:
        images, labels = load_mnist("test", data_dir=args.data_dir, download=args.download)
        pool = "test"
    X, y = mnist_20x20_standin(images, labels, per_class=500, seed=args.seed)
    return X, y, (f"STAND-IN: 5000 MNIST {pool} images (500 per digit) shrunk to 20x20 -- "
                  f"the Coursera images are missing")


def parse_args(argv=None):
    p = common.base_parser(NAME, __doc__, epochs=200, lr=None, compiles=False,
                           epochs_help="max_iter: the optimiser's budget (function "
                                       "evaluations for TNC, iterations otherwise)")
    p.add_argument("--method", choices=[*METHODS, "all"], default="TNC",
                   help="SciPy optimiser (TNC is the article's); all = each in turn")
    p.add_argument("--hidden", type=common.int_list, default=(25,),
                   help="hidden layer sizes, e.g. 25 or 50,25")
    p.add_argument("--l2", type=float, default=1.0, help="lambda (regularization_parameter)")
    p.add_argument("--init", choices=["article", "xavier"], default="article",
                   help="every parameter N(0, 1) (the article's), or Xavier")
    args = p.parse_args(argv)
    if args.improved:
        args.init = "xavier"
        if args.method == "TNC":
            args.method = "L-BFGS-B"
    if args.tiny:
        args.epochs = min(args.epochs, 15)
    return args


def train(args):
    rng = np.random.default_rng(args.seed)

    # ---- data: 5000 20x20 images, a seeded 80/20 split
    X, y, source = common.load_or_synthesize(
        args, lambda: load_digits_20x20(args),
        lambda: (*common.synthetic_images(rng, 5000, (400,), 10), "synthetic"),
        "the 20x20 digits")
    print(f"data: {source}")
    if args.tiny:
        X, y = X[::5], y[::5]
    order = rng.permutation(len(X))
    n_train = int(0.8 * len(X))
    X_train, y_train = X[order[:n_train]], y[order[:n_train]]
    X_test, y_test = X[order[n_train:]], y[order[n_train:]]
    print(f"{len(y_train)} train / {len(y_test)} test images; 400-"
          f"{'-'.join(map(str, args.hidden))}-10 sigmoid{common.extras(args)}, init {args.init}, "
          f"budget {args.epochs}")
    show_the_articles_jac_mismatch(X_train, y_train, args.l2, args.seed)

    # ---- training: one estimator per method
    methods = METHODS if args.method == "all" else (args.method,)
    results, fitted = {}, {}
    for method in methods:
        # a Newton-CG iteration runs an inner loop of Hessian-vector products (each about two
        # gradients' work), so it gets a fifth of the iterations
        budget = max(args.epochs // 5, 1) if method == "Newton-CG" else args.epochs
        clf = NeuralNetworkClassifier(hidden_layers=args.hidden, regularization_parameter=args.l2,
                                      max_iter=budget, method=method, init=args.init,
                                      random_state=args.seed, progress=not args.quiet)
        start = time.perf_counter()
        clf.fit(X_train, y_train, eval_set=(X_test, y_test))
        seconds = time.perf_counter() - start
        fitted[method] = clf
        results[method] = {"train_accuracy": clf.score(X_train, y_train),
                           "test_accuracy": clf.score(X_test, y_test),
                           "final_cost": clf.loss_curve_[-1], "seconds": seconds,
                           "iterations": len(clf.loss_curve_) - 1,
                           "evaluations": int(clf.result_.nfev),
                           "hessian_vector_products": int(getattr(clf.result_, "nhev", 0))}
        r = results[method]
        print(f"{method:>9}: cost {clf.loss_curve_[0]:.4f} -> {r['final_cost']:.4f} in "
              f"{r['iterations']} iterations, {r['evaluations']} cost+gradient evaluations, "
              f"{r['hessian_vector_products']} Hessian-vector products "
              f"({clf.result_.message})\n{'':>11}train accuracy {r['train_accuracy']:.4f}, "
              f"test accuracy {r['test_accuracy']:.4f}  ({seconds:.1f} s)")

    # ---- plots: cost and accuracy per iteration, one line per method
    main_method = methods[0]
    if not args.no_plots:
        clf = fitted[main_method]
        history = {f"{m} cost": c.loss_curve_ for m, c in fitted.items()}
        for m, c in fitted.items():
            history[f"{m} train accuracy"] = c.train_score_curve_
            history[f"{m} test accuracy"] = c.test_score_curve_
        images = X_test[:32].reshape(-1, 20, 20).transpose(0, 2, 1)  # column-major pixels
        common.save_standard_plots(args, NAME, history, images=images,
                                   predicted=clf.predict(X_test[:32]), true=y_test[:32],
                                   xlabel="iteration")
    summary = dict(results[main_method])
    for method, r in results.items():
        for key in ("test_accuracy", "train_accuracy", "seconds"):
            summary[f"{method} {key}"] = r[key]
    summary["history"] = {"train cost": fitted[main_method].loss_curve_}
    summary["data"] = source
    return summary


def main(argv=None):
    args = parse_args(argv)
    metrics = ["test_accuracy", "train_accuracy", "final_cost", "seconds"]
    if args.method == "all":
        metrics += [f"{m} {k}" for m in METHODS for k in ("test_accuracy", "seconds")]
    return common.run_seeds(train, args, metrics)


if __name__ == "__main__":
    common.cli(main)
