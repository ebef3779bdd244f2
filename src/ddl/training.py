"""The training loop (Parts 3, 6 and 7).

:func:`train_step` is one update: forward, cost, backward, optional penalty,
optimiser step.  :func:`train` repeats it over shuffled mini-batches for a
number of epochs and records, after each epoch, the cost and metrics on the
training and validation sets in a :class:`History` (the learning curves of
Part 7).  It stops with :class:`TrainingDiverged` as soon as a cost is NaN or
infinite, and supports an L1/L2 regulariser and early stopping.

Any network with ``forward``/``backward``/``parameters``/``gradients`` (and
``weights()`` if a regulariser is used) can be trained, with any loss from
:mod:`ddl.losses` and any optimiser from :mod:`ddl.optimisers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .data import minibatches
from .losses import BinaryCrossEntropy, CategoricalCrossEntropy, get_loss
from .metrics import accuracy

__all__ = ["History", "TrainingDiverged", "evaluate", "train", "train_step"]


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite during training."""


@dataclass
class History:
    """Per-epoch records of a training run.

    ``train_loss[e]`` and ``val_loss[e]`` are the data cost ``J`` (without any
    penalty) over the whole training and validation sets after epoch ``e``,
    in evaluation mode; ``train_metrics[name][e]`` and ``val_metrics[name][e]``
    likewise.  ``best_epoch`` is the epoch whose weights the network ended
    with when early stopping restored them.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_metrics: dict = field(default_factory=dict)
    val_metrics: dict = field(default_factory=dict)
    epochs: int = 0
    stopped_early: bool = False
    best_epoch: int | None = None


def _check_finite(cost, where):
    if not math.isfinite(cost):
        raise TrainingDiverged(
            f"The cost became {cost} {where}. Training has diverged: try a smaller "
            f"learning rate, standardised inputs, or gradient clipping."
        )


def train_step(network, loss, optimiser, X, Y, regulariser=None):
    """One gradient-descent update on the batch (X, Y); returns its cost.

    With a regulariser, the cost includes its penalty and each ``dW`` its
    gradient (biases are not penalised).
    """
    m = X.shape[-1]
    Z = network.forward(X, training=True)
    cost = loss.cost(Z, Y)
    network.backward(loss.gradient(Z, Y))
    if regulariser is not None:
        pairs = network.weights()
        cost += regulariser.penalty([W for W, _ in pairs], m)
        for W, dW in pairs:
            dW += regulariser.gradient(W, m)
    optimiser.step(network.parameters(), network.gradients())
    return cost


def evaluate(network, loss, X, Y, metrics=None):
    """Cost and metrics of the network on (X, Y), in evaluation mode.

    ``metrics`` maps names to ``f(y_true, y_pred)`` on labels; for
    classification the true labels are taken from ``Y`` (the arg-max row for
    one-hot targets).
    """
    Z = network.forward(X, training=False)
    results = {"loss": loss.cost(Z, Y)}
    if metrics:
        y_pred = loss.predict(Z)
        y_true = (
            np.argmax(Y, axis=0)[np.newaxis] if isinstance(loss, CategoricalCrossEntropy) else Y
        )
        for name, f in metrics.items():
            results[name] = f(y_true, y_pred)
    return results


def train(
    network,
    loss,
    optimiser,
    data,
    epochs,
    batch_size=None,
    rng=None,
    *,
    regulariser=None,
    early_stopping=None,
    metrics=None,
    verbose=False,
):
    """Train ``network`` on ``data`` and return its :class:`History`.

    Parameters
    ----------
    network : Network
    loss : Loss or str
    optimiser : Optimiser
    data : Dataset (or anything with X_train, Y_train, X_val, Y_val; the
        validation pair may be None)
    epochs : int
    batch_size : int or None
        None: batch gradient descent; 1: stochastic; otherwise mini-batch.
    rng : numpy.random.Generator
        Shuffles the examples every epoch.
    regulariser : L1 or L2, optional
    early_stopping : EarlyStopping, optional (needs validation data)
    metrics : dict name -> f(y_true, y_pred), optional
        Defaults to ``{"accuracy": accuracy}`` for classification losses.
    verbose : bool
        Print one line per epoch.
    """
    loss = get_loss(loss)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs: expected a positive integer, got {epochs!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng: expected a numpy.random.Generator (it shuffles the batches), "
            f"got {type(rng).__name__}."
        )
    dtype = network.dtype
    X_train = np.asarray(data.X_train, dtype=dtype)
    Y_train = np.asarray(data.Y_train, dtype=dtype)
    has_val = getattr(data, "X_val", None) is not None and data.X_val.shape[-1] > 0
    if has_val:
        X_val = np.asarray(data.X_val, dtype=dtype)
        Y_val = np.asarray(data.Y_val, dtype=dtype)
    if early_stopping is not None and not has_val:
        raise ValueError("early_stopping: needs validation data, but data.X_val is empty.")
    if metrics is None:
        is_classifier = isinstance(loss, (BinaryCrossEntropy, CategoricalCrossEntropy))
        metrics = {"accuracy": accuracy} if is_classifier else {}

    history = History(train_metrics={k: [] for k in metrics}, val_metrics={k: [] for k in metrics})
    for epoch in range(epochs):
        for step, (X, Y) in enumerate(minibatches(X_train, Y_train, batch_size, rng)):
            cost = train_step(network, loss, optimiser, X, Y, regulariser)
            _check_finite(cost, f"at epoch {epoch}, batch {step}")

        results = evaluate(network, loss, X_train, Y_train, metrics)
        _check_finite(results["loss"], f"on the training set after epoch {epoch}")
        history.train_loss.append(results["loss"])
        for k in metrics:
            history.train_metrics[k].append(results[k])
        if has_val:
            val = evaluate(network, loss, X_val, Y_val, metrics)
            history.val_loss.append(val["loss"])
            for k in metrics:
                history.val_metrics[k].append(val[k])
        history.epochs = epoch + 1
        if verbose:
            line = f"epoch {epoch:4d}  train loss {results['loss']:.4f}"
            if has_val:
                line += f"  val loss {val['loss']:.4f}"
            print(line)
        if early_stopping is not None and early_stopping.update(val["loss"], network.parameters()):
            history.stopped_early = True
            break

    if early_stopping is not None:
        early_stopping.restore(network.parameters())
        history.best_epoch = early_stopping.best_epoch
    return history
