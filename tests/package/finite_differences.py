"""Central finite differences, written independently of ``ddl.gradcheck`` so that the tests
do not check the package's gradients with the package's own checker."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central differences of the scalar function ``f`` with respect to ``x`` (perturbed in place)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, 1 when unrelated."""
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)
