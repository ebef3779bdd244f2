"""Learning-rate schedules (Part 6: Optimising Learning).

A schedule is a callable ``schedule(t) -> α`` giving the learning rate at
update step ``t = 0, 1, 2, ...`` (an optimiser counts its own steps; with
mini-batches there are several steps per epoch, so choose ``k`` per step).
An optimiser accepts either a plain float or one of these.

Equation labels: ``eq-lr-exponential-decay``, ``eq-lr-inverse-time-decay``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["Constant", "ExponentialDecay", "InverseTimeDecay", "as_schedule"]


def _is_number(value) -> bool:
    """A real number, Python's or numpy's (np.float32(0.1) too), but not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_positive(name, value, allow_zero=False):
    if (
        not _is_number(value)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        expected = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{name}: expected {expected} finite number, got {value!r}.")


@dataclass(frozen=True)
class Constant:
    """α(t) = α0."""

    alpha0: float

    def __post_init__(self):
        _check_positive("alpha0", self.alpha0)

    def __call__(self, t):
        return float(self.alpha0)


@dataclass(frozen=True)
class ExponentialDecay:
    """α(t) = α0 · e^(−k t).  Implements :eq:`eq-lr-exponential-decay`."""

    alpha0: float
    k: float

    def __post_init__(self):
        _check_positive("alpha0", self.alpha0)
        _check_positive("k", self.k, allow_zero=True)

    def __call__(self, t):
        return self.alpha0 * math.exp(-self.k * t)


@dataclass(frozen=True)
class InverseTimeDecay:
    """α(t) = α0 / (1 + k t), "1/t decay".  Implements :eq:`eq-lr-inverse-time-decay`."""

    alpha0: float
    k: float

    def __post_init__(self):
        _check_positive("alpha0", self.alpha0)
        _check_positive("k", self.k, allow_zero=True)

    def __call__(self, t):
        return self.alpha0 / (1 + self.k * t)


def as_schedule(learning_rate):
    """A schedule from a float (→ :class:`Constant`) or a callable (unchanged)."""
    if callable(learning_rate):
        return learning_rate
    if not _is_number(learning_rate):
        raise TypeError(
            f"learning_rate: expected a positive float or a schedule such as "
            f"ExponentialDecay(0.1, 0.01), got {type(learning_rate).__name__}."
        )
    return Constant(float(learning_rate))
