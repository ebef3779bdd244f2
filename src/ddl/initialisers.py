"""Weight initialisers (Part 4: why weights start random).

Every initialiser has the same signature,
``initialiser(shape, rng, dtype=np.float64) -> ndarray``, where ``shape`` is
the weight's shape with the output units first: ``(n_out, n_in)`` for a dense
layer, ``(n_filters, channels, f, f)`` for a convolution.  So

* fan-in  = product of ``shape[1:]`` (inputs feeding one unit),
* fan-out = ``shape[0]`` × product of ``shape[2:]``.

Biases start at zero; only weights need breaking of symmetry.

Equation labels: ``eq-init-small``, ``eq-init-xavier``, ``eq-init-he``.
"""

from __future__ import annotations

import math

import numpy as np

from ._names import lookup

__all__ = [
    "INITIALISERS",
    "fans",
    "get_initialiser",
    "glorot",
    "he",
    "small_random",
    "xavier",
    "zeros",
]


def fans(shape):
    """Return ``(fan_in, fan_out)`` of a weight of the given shape."""
    if len(shape) < 2:
        raise ValueError(f"shape: expected at least 2 dimensions (n_out, n_in, ...), got {shape}.")
    receptive = math.prod(shape[2:])
    return math.prod(shape[1:]), shape[0] * receptive


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng: expected a numpy.random.Generator (e.g. numpy.random.default_rng(0)), "
            f"got {type(rng).__name__}."
        )


def zeros(shape, rng=None, dtype=np.float64):
    """All zeros.  Every unit of a layer then computes the same thing and
    receives the same gradient, so they stay identical forever: the symmetry
    that random initialisation breaks.  ``rng`` is accepted and unused."""
    return np.zeros(shape, dtype=dtype)


def small_random(shape, rng, dtype=np.float64):
    """Standard normal values scaled by 0.01, i.e. N(0, 0.01²).  Implements :eq:`eq-init-small`.

    Breaks symmetry, but in a deep network each layer multiplies the spread of
    the signal by about sqrt(fan_in) × 0.01, so it fades layer after layer.
    """
    _check_rng(rng)
    return (0.01 * rng.standard_normal(shape)).astype(dtype)


def xavier(shape, rng, dtype=np.float64):
    """Xavier/Glorot normal: variance 2 / (fan_in + fan_out).  Implements :eq:`eq-init-xavier`.

    For tanh layers (close to the identity near 0): variance 1 / fan_in keeps the
    spread of the activations constant going forwards, 1 / fan_out that of the
    gradients going backwards; 2 / (fan_in + fan_out) is the compromise.
    """
    _check_rng(rng)
    fan_in, fan_out = fans(shape)
    return (math.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)).astype(dtype)


glorot = xavier


def he(shape, rng, dtype=np.float64):
    """He normal: variance 2 / fan_in, for ReLU layers.  Implements :eq:`eq-init-he`.

    ReLU zeroes the negative half of a weighted sum that is symmetric about 0,
    which halves its mean square E[a²] (not its variance, since the output's
    mean is positive); the factor 2 puts it back.
    """
    _check_rng(rng)
    fan_in, _ = fans(shape)
    return (math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


INITIALISERS = {
    "zeros": zeros,
    "small_random": small_random,
    "xavier": xavier,
    "glorot": xavier,
    "he": he,
}


def get_initialiser(initialiser):
    """Return the initialiser called ``initialiser``, or ``initialiser`` if callable."""
    if callable(initialiser):
        return initialiser
    return lookup("initialiser", initialiser, INITIALISERS, "a callable")
