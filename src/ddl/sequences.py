"""A generated sequence task that needs a long memory (Part 10).

The *adding problem* (Hochreiter & Schmidhuber, 1997): every step ``t`` of a
sequence carries two numbers, a value ``u⟨t⟩`` drawn uniformly from [0, 1]
and a marker that is 1 at exactly two steps and 0 elsewhere.  The target is
the sum of the two marked values.  Both markers fall in the first half of
the sequence, so the network has to carry what it saw for at least ``T/2``
steps, ignoring everything after.

Predicting the constant 1 (the mean of the target) gives a mean squared
error of Var(u₁ + u₂) = 1/6, i.e. a cost ``J = (1/2m) Σ (ŷ − y)² = 1/12``
(:data:`BASELINE_COST`); a network only beats that by remembering.  A plain
RNN, whose gradient through ``T/2`` tanh steps vanishes, stays at the
baseline; an LSTM, whose cell state carries the values forward through the
forget gate, and a GRU, whose update gate lets a unit copy its state, learn
the task (Part 10 trains all three).

The data come in the package's sequence layout ``(T, n_x, m)`` with
``n_x = 2`` (value, marker), and targets ``(1, m)``; every call draws a fresh
batch from ``rng``, so there is no fixed training set to overfit.
"""

from __future__ import annotations

import numpy as np

from .losses import get_loss
from .recurrent import clip_by_global_norm

__all__ = ["BASELINE_COST", "adding_problem", "train_on_generated"]

BASELINE_COST = 1 / 12  # (1/2)·Var(u₁ + u₂) = (1/2)(2/12): the cost of always answering 1


def adding_problem(T: int, m: int, rng: np.random.Generator, *, dtype=np.float64):
    """Draw ``m`` sequences of length ``T`` of the adding problem.

    Returns ``X`` ``(T, 2, m)`` and ``Y`` ``(1, m)``: ``X[:, 0]`` holds the
    values, ``X[:, 1]`` the two markers, one among the first
    ``max(1, T // 10)`` steps and the other among the remaining steps of the
    first half; ``Y`` is the sum of the two marked values.
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 4:
        raise ValueError(f"T: expected an integer sequence length >= 4, got {T!r}.")
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m: expected a positive number of sequences, got {m!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}.")
    half, early = T // 2, max(1, T // 10)
    X = np.zeros((T, 2, m), dtype=dtype)
    X[:, 0, :] = rng.uniform(0.0, 1.0, size=(T, m))
    first = rng.integers(0, early, size=m)
    second = rng.integers(early, half, size=m)
    columns = np.arange(m)
    X[first, 1, columns] = 1.0
    X[second, 1, columns] = 1.0
    Y = (X[first, 0, columns] + X[second, 0, columns]).reshape(1, m)
    return X, Y


def train_on_generated(
    network, loss, optimiser, generate, steps: int, *, max_norm: float | None = 1.0
):
    """Train on a fresh batch ``generate() -> (X, Y)`` at every step; return the costs.

    One step is forward, cost, backward, :func:`~ddl.recurrent.clip_by_global_norm`
    of all the gradients to ``max_norm`` (``None``: no clipping), optimiser step.
    """
    loss = get_loss(loss)
    costs = np.empty(steps)
    for step in range(steps):
        X, Y = generate()
        Z = network.forward(X, training=True)
        costs[step] = loss.cost(Z, Y)
        network.backward(loss.gradient(Z, Y))
        if max_norm is not None:
            clip_by_global_norm(network.gradients(), max_norm)
        optimiser.step(network.parameters(), network.gradients())
    return costs
