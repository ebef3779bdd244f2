"""Loss functions (Part 3: Learning Through Gradient Descent).

A network's last layer outputs **logits** ``Z`` (no activation).  Each loss
here joins the output activation to its cost, because the pair is both
simpler and numerically safer than either half:

=================  ===================  =====================================
loss               output activation    per-example gradient ``dZ``
=================  ===================  =====================================
mean squared       identity             ``Ŷ − Y``
binary CE          sigmoid              ``σ(Z) − Y``
categorical CE     softmax (per column) ``softmax(Z) − Y``
=================  ===================  =====================================

Costs are means over the ``m`` examples (the last axis) and summed over
output rows.  Gradients are per example, as everywhere in the package: the
``1/m`` is applied by the layers when they reach ``dW`` and ``db``.  So
``∂J/∂Z = dZ / m``.

The interface the training loop relies on, shared by the three classes:

``loss.output(Z)``
    the network's prediction in the target's units (values or probabilities);
``loss.cost(Z, Y) -> float``
    the cost ``J``;
``loss.gradient(Z, Y) -> dZ``
    per-example gradient with respect to the logits, dtype of ``Z``;
``loss.predict(Z)``
    labels: values for MSE, 0/1 at probability 0.5 for BCE, the arg-max
    row (shape ``(1, m)``) for CCE.

Equation labels: ``eq-mse``, ``eq-mse-gradient``, ``eq-bce``,
``eq-bce-logits``, ``eq-bce-gradient``, ``eq-cce``, ``eq-cce-logits``,
``eq-cce-gradient``, ``eq-softplus``, ``eq-logsumexp``.
"""

from __future__ import annotations

import numpy as np

from ._names import lookup
from .activations import sigmoid, softmax

__all__ = [
    "LOSSES",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Loss",
    "MeanSquaredError",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "categorical_cross_entropy",
    "categorical_cross_entropy_gradient",
    "get_loss",
    "logsumexp",
    "mean_squared_error",
    "mean_squared_error_gradient",
    "softplus",
]


def _check_same_shape(Z, Y):
    if np.shape(Z) != np.shape(Y):
        raise ValueError(
            f"Y: expected the shape of the network output {np.shape(Z)}, got {np.shape(Y)}."
        )


def softplus(Z):
    """log(1 + e^z) without overflow: max(z, 0) + log(1 + e^(−|z|)).

    Implements :eq:`eq-softplus`.
    """
    with np.errstate(under="ignore"):
        return np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))


def logsumexp(Z):
    """log Σ_k e^(z_k) over each column, shape ``(1, m)``, without overflow.

    Implements :eq:`eq-logsumexp`: with c the column max,
    log Σ e^(z_k) = c + log Σ e^(z_k − c), and every e^(z_k − c) ≤ 1.
    """
    c = Z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        return c + np.log(np.sum(np.exp(Z - c), axis=0, keepdims=True))


def mean_squared_error(Y_hat, Y):
    """J = (1/2m) Σ (ŷ − y)².  Implements :eq:`eq-mse`."""
    _check_same_shape(Y_hat, Y)
    m = Y.shape[-1]
    E = Y_hat - Y
    return float(np.sum(E * E) / (2 * m))


def mean_squared_error_gradient(Y_hat, Y):
    """Per-example dŶ = Ŷ − Y.  Implements :eq:`eq-mse-gradient`."""
    _check_same_shape(Y_hat, Y)
    return np.subtract(Y_hat, Y, dtype=Y_hat.dtype, casting="same_kind")


def binary_cross_entropy(Z, Y):
    """Binary cross-entropy computed from the logits ``Z``.

    Implements :eq:`eq-bce` as :eq:`eq-bce-logits`.  With ŷ = σ(z), the loss
    −[y log ŷ + (1 − y) log(1 − ŷ)] simplifies to softplus(z) − y z, which
    never takes the log of 0, even for |z| = 1000.  Returns the mean over
    the ``m`` examples.
    """
    _check_same_shape(Z, Y)
    m = Z.shape[-1]
    # softplus(z) − y z, with softplus's max(z, 0) taken first: for y ∈ {0, 1}
    # max(z, 0) − y z is exact, so a tiny loss is not lost to rounding.
    with np.errstate(under="ignore"):
        L = (np.maximum(Z, 0) - Y * Z) + np.log1p(np.exp(-np.abs(Z)))
    return float(np.sum(L) / m)


def binary_cross_entropy_gradient(Z, Y):
    """Per-example dZ = σ(Z) − Y.  Implements :eq:`eq-bce-gradient`."""
    _check_same_shape(Z, Y)
    dZ = sigmoid(Z)
    dZ -= Y
    return dZ


def categorical_cross_entropy(Z, Y):
    """Categorical cross-entropy of one-hot ``Y`` computed from the logits ``Z``.

    Implements :eq:`eq-cce` as :eq:`eq-cce-logits`.  With ŷ = softmax(z), the loss
    −Σ_k y_k log ŷ_k equals logsumexp(z) − Σ_k y_k z_k (when Σ_k y_k = 1).
    Returns the mean over the ``m`` examples.
    """
    _check_same_shape(Z, Y)
    m = Z.shape[-1]
    # logsumexp(z) − Σ y z written as Σ_k y_k (c − z_k) + log Σ_k e^(z_k − c), with
    # c the column max: c − z_k is exact when z_k is the max, and since that
    # term of the sum is e^0 = 1, the log is log1p of the others, so a loss
    # near 0 keeps its digits.
    c = Z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        E = np.exp(Z - c)
    E[np.argmax(Z, axis=0), np.arange(m)] = 0
    L = np.sum(Y * (c - Z), axis=0) + Y.sum(axis=0) * np.log1p(E.sum(axis=0))
    return float(np.sum(L) / m)


def categorical_cross_entropy_gradient(Z, Y):
    """Per-example dZ = softmax(Z) − Y.  Implements :eq:`eq-cce-gradient`."""
    _check_same_shape(Z, Y)
    dZ = softmax(Z)
    dZ -= Y
    return dZ


class Loss:
    """A cost on logits together with its output activation (see the module docstring)."""

    name = "loss"

    def output(self, Z):
        raise NotImplementedError

    def cost(self, Z, Y) -> float:
        raise NotImplementedError

    def gradient(self, Z, Y):
        raise NotImplementedError

    def predict(self, Z):
        return self.output(Z)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """Identity output with J = (1/2m) Σ (ŷ − y)², for regression."""

    name = "mse"

    def output(self, Z):
        return Z

    def cost(self, Z, Y):
        return mean_squared_error(Z, Y)

    def gradient(self, Z, Y):
        return mean_squared_error_gradient(Z, Y)


class BinaryCrossEntropy(Loss):
    """Sigmoid output with binary cross-entropy, for 0/1 targets of shape (1, m)."""

    name = "binary_cross_entropy"

    def output(self, Z):
        return sigmoid(Z)

    def cost(self, Z, Y):
        return binary_cross_entropy(Z, Y)

    def gradient(self, Z, Y):
        return binary_cross_entropy_gradient(Z, Y)

    def predict(self, Z):
        """0/1 labels: σ(z) ≥ 0.5 exactly when z ≥ 0."""
        return (Z >= 0).astype(np.int64)


class CategoricalCrossEntropy(Loss):
    """Softmax output with categorical cross-entropy, for one-hot targets (K, m)."""

    name = "categorical_cross_entropy"

    def output(self, Z):
        return softmax(Z)

    def cost(self, Z, Y):
        return categorical_cross_entropy(Z, Y)

    def gradient(self, Z, Y):
        return categorical_cross_entropy_gradient(Z, Y)

    def predict(self, Z):
        """Class labels, shape (1, m): the row of the largest logit."""
        return np.argmax(Z, axis=0)[np.newaxis, :]


LOSSES = {
    "mse": MeanSquaredError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy,
}


def get_loss(loss) -> Loss:
    """Return a :class:`Loss` instance from a name in ``LOSSES`` or a ``Loss``."""
    if isinstance(loss, Loss):
        return loss
    return lookup("loss", loss, LOSSES, "a Loss")()
