"""Gradient checking by central differences (introduced in Part 3, used through Part 11).

The derivative of a function at ``x`` is approximated by nudging one entry at
a time by ``±ε``:

    ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / 2ε        (eq-central-difference)

with an error of order ε², and compared with the analytic gradient by a
relative error (eq-relative-error).  In float64 with ε = 1e-6, a correct
backward pass typically agrees to 1e-8 or better, and the series counts an
error below 1e-7 as a pass; a wrong one is off by far more (1e-2 to 1 is
typical).

:func:`check_layer` and :func:`check_network` apply this to every parameter
of a layer or a network, so a post (or a test) can check a backward pass in
one line.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_layer", "check_network", "numerical_gradient", "relative_error"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference estimate of the gradient of scalar ``f`` at ``x``.

    ``f(x)`` must return a number.  ``x`` (a float array) is nudged **in
    place** one entry at a time and restored, so ``f`` may equally ignore its
    argument and read ``x`` through a network that holds it.  Implements
    :eq:`eq-central-difference`.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        f_plus = float(f(x))
        x[i] = original - eps
        f_minus = float(f(x))
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are 0.  Implements :eq:`eq-relative-error`."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} like a, got {b.shape}.")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denominator) if denominator > 0 else 0.0


def check_layer(layer, A_prev, rng, eps=1e-6, training=False):
    """Relative errors of a layer's backward pass, per parameter and for ``A_prev``.

    Uses the cost J = (1/m) Σ G ⊙ layer(A_prev) with a random ``G`` from
    ``rng``, whose per-example gradient with respect to the output is ``G``.
    Returns ``{"A_prev": error, "W": error, ...}``.  Run it in float64.
    """
    A = layer.forward(A_prev, training=training)
    m = A.shape[-1]
    G = rng.standard_normal(A.shape)

    def J(_):
        return np.sum(G * layer.forward(A_prev, training=training)) / m

    layer.forward(A_prev, training=training)
    dA_prev = layer.backward(G)
    analytic = {"A_prev": dA_prev / m, **{k: g.copy() for k, g in layer.grads.items()}}
    errors = {"A_prev": relative_error(analytic["A_prev"], numerical_gradient(J, A_prev, eps))}
    for k, p in layer.params.items():
        errors[k] = relative_error(analytic[k], numerical_gradient(J, p, eps))
    return errors


def check_network(network, loss, X, Y, eps=1e-6, per_parameter=False):
    """Relative error of the backpropagated gradient of a whole network.

    As in the posts, every parameter's gradient is flattened into one long
    vector and compared at once, which is what matters when a deep network's
    first layers have gradients far smaller than its last.  With
    ``per_parameter=True``, returns instead a list of errors in the order of
    ``network.parameters()``.  Evaluation mode is used throughout (dropout
    off) so the cost is deterministic.
    """
    Z = network.forward(X, training=False)
    network.backward(loss.gradient(Z, Y))
    analytic = [g.copy() for g in network.gradients()]

    def J(_):
        return loss.cost(network.forward(X, training=False), Y)

    numeric = [numerical_gradient(J, p, eps) for p in network.parameters()]
    if per_parameter:
        return [relative_error(a, n) for a, n in zip(analytic, numeric)]
    return relative_error(
        np.concatenate([a.ravel() for a in analytic]), np.concatenate([n.ravel() for n in numeric])
    )
