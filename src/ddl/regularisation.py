"""Regularisation (Part 7: Debugging the Learning Curve).

* L1 and L2 penalties on the weights (never the biases), each with its
  gradient, added to the cost and to ``dW`` by the training loop:

  - L1: λ/m Σ|w|,    gradient (λ/m) sign(W)   (eq-l1-penalty, eq-l1-gradient)
  - L2: λ/2m Σw²,    gradient (λ/m) W         (eq-l2-penalty, eq-l2-gradient)

  ``m`` is the number of examples in the batch whose cost the penalty joins.
  The classes :class:`L1` and :class:`L2` offer ``penalty(weights, m)`` over a
  list of weight arrays and ``gradient(W, m)`` for one.
* :class:`Dropout`, inverted dropout as a layer: keeps each unit with
  probability ``keep_prob`` and divides the survivors by ``keep_prob`` so the
  expected activation is unchanged; off in evaluation mode.
* :class:`EarlyStopping`: stops training once the validation loss has not
  improved for ``patience`` epochs and restores the best weights.
"""

from __future__ import annotations

import math

import numpy as np

from .layers import Layer

__all__ = [
    "L1",
    "L2",
    "Dropout",
    "EarlyStopping",
    "l1_gradient",
    "l1_penalty",
    "l2_gradient",
    "l2_penalty",
]


def _check_lambda(lambd):
    if (
        isinstance(lambd, bool)
        or not isinstance(lambd, (int, float))
        or not math.isfinite(lambd)
        or lambd < 0
    ):
        raise ValueError(f"lambd: expected a non-negative number, got {lambd!r}.")


def l1_penalty(weights, lambd, m):
    """λ/m Σ|w| over every weight array.  Implements :eq:`eq-l1-penalty`."""
    return lambd / m * sum(float(np.abs(W).sum()) for W in weights)


def l1_gradient(W, lambd, m):
    """(λ/m) sign(W), taking 0 at w = 0.  Implements :eq:`eq-l1-gradient`."""
    return (lambd / m) * np.sign(W)


def l2_penalty(weights, lambd, m):
    """λ/2m Σw² over every weight array.  Implements :eq:`eq-l2-penalty`."""
    return lambd / (2 * m) * sum(float(np.vdot(W, W)) for W in weights)


def l2_gradient(W, lambd, m):
    """(λ/m) W.  Implements :eq:`eq-l2-gradient`."""
    return (lambd / m) * W


class L1:
    """L1 penalty with strength ``lambd`` (λ)."""

    def __init__(self, lambd):
        _check_lambda(lambd)
        self.lambd = lambd

    def __repr__(self):
        return f"L1({self.lambd!r})"

    def penalty(self, weights, m):
        return l1_penalty(weights, self.lambd, m)

    def gradient(self, W, m):
        return l1_gradient(W, self.lambd, m)


class L2:
    """L2 penalty ("weight decay") with strength ``lambd`` (λ)."""

    def __init__(self, lambd):
        _check_lambda(lambd)
        self.lambd = lambd

    def __repr__(self):
        return f"L2({self.lambd!r})"

    def penalty(self, weights, m):
        return l2_penalty(weights, self.lambd, m)

    def gradient(self, W, m):
        return l2_gradient(W, self.lambd, m)


class Dropout(Layer):
    """Inverted dropout with probability ``keep_prob`` of keeping each unit.

    Implements :eq:`eq-dropout`: in training, D = (U < keep_prob) for U uniform
    from ``rng``, A = A_prev ⊙ D / keep_prob; in evaluation, A = A_prev.
    Backwards, dA_prev = dA ⊙ D / keep_prob (the same mask).
    """

    def __init__(self, keep_prob, rng):
        super().__init__()
        if (
            isinstance(keep_prob, bool)
            or not isinstance(keep_prob, (int, float))
            or not 0 < keep_prob <= 1
        ):
            raise ValueError(f"keep_prob: expected a number in (0, 1], got {keep_prob!r}.")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}.")
        self.keep_prob = keep_prob
        self.rng = rng
        self.mask = None  # D / keep_prob from the last training forward pass

    def __repr__(self):
        return f"Dropout(keep_prob={self.keep_prob!r})"

    def forward(self, A_prev, training=True):
        if not training or self.keep_prob == 1:
            self.mask = None
            return A_prev
        D = self.rng.random(A_prev.shape, dtype=A_prev.dtype) < self.keep_prob
        self.mask = D.astype(A_prev.dtype) / A_prev.dtype.type(self.keep_prob)
        return A_prev * self.mask

    def backward(self, dA):
        if self.mask is None:
            return dA
        return dA * self.mask


class EarlyStopping:
    """Stop when the validation loss stops improving; remember the best weights.

    ``update(val_loss, params)`` is called once per epoch and returns True when
    training should stop: ``patience`` epochs in a row without the loss falling
    below the best so far by more than ``min_delta``.  ``restore(params)``
    copies the best weights back into ``params`` in place.
    """

    def __init__(self, patience=10, min_delta=0.0):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience: expected a positive integer, got {patience!r}.")
        if not isinstance(min_delta, (int, float)) or min_delta < 0:
            raise ValueError(f"min_delta: expected a non-negative number, got {min_delta!r}.")
        self.patience, self.min_delta = patience, min_delta
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_params = None
        self.epoch = -1
        self.bad_epochs = 0

    def update(self, val_loss, params):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = float(val_loss)
            self.best_epoch = self.epoch
            self.best_params = [p.copy() for p in params]
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, params):
        if self.best_params is None:
            return
        for p, best in zip(params, self.best_params, strict=True):
            p[...] = best
