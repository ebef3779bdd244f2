"""Activation functions and their derivatives (Part 4: FeedForward Neural Networks).

Each activation ``g`` comes as a pair of plain functions, ``g(Z) -> A`` and
``g_prime(Z) -> g'(Z)``, which a post can show on their own.  Softmax is not
elementwise, so instead of a derivative it has ``softmax_backward(dA, A)``, the
Jacobian-vector product that turns ``dA`` into ``dZ``.

Layers use an activation through the small :class:`Activation` record, whose
``backward(dA, Z, A)`` returns ``dZ`` (:eq:`eq-backprop-dz`,
``dZ = dA ⊙ g'(Z)``).  :func:`get_activation` looks one up by name:
``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
``"softmax"``.  Other modules (convolutional and recurrent layers) reuse these.

Every function keeps the dtype of its input (float32 stays float32).

Equation labels: ``eq-sigmoid``, ``eq-sigmoid-prime``, ``eq-tanh``,
``eq-tanh-prime``, ``eq-relu``, ``eq-relu-prime``, ``eq-leaky-relu``,
``eq-softmax``, ``eq-softmax-backward``, ``eq-backprop-dz``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._names import lookup

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "identity",
    "identity_prime",
    "leaky_relu",
    "leaky_relu_prime",
    "relu",
    "relu_prime",
    "sigmoid",
    "sigmoid_prime",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_prime",
]


def identity(Z):
    """Return ``Z`` unchanged: the output "activation" of a regression network."""
    return Z


def identity_prime(Z):
    """Derivative of the identity: ones shaped like ``Z``."""
    return np.ones_like(Z)


def sigmoid(Z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^(−z)), stable for any z.

    Implements :eq:`eq-sigmoid`.  ``e^(−|z|)`` is at most 1, so nothing
    overflows; for z ≥ 0 use 1 / (1 + e^(−z)), for z < 0 the equal form
    e^(z) / (1 + e^(z)).  For |z| beyond ~700 (float64) e^(−|z|) rounds to 0,
    which is the right answer, so that underflow is not reported.
    """
    with np.errstate(under="ignore"):
        E = np.exp(-np.abs(Z))
        return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))


def sigmoid_prime(Z):
    """σ'(z) = σ(z) (1 − σ(z)).  Implements :eq:`eq-sigmoid-prime`."""
    S = sigmoid(Z)
    with np.errstate(under="ignore"):
        return S * (1 - S)


def tanh(Z):
    """Hyperbolic tangent.  Implements :eq:`eq-tanh`."""
    return np.tanh(Z)


def tanh_prime(Z):
    """tanh'(z) = 1 − tanh²(z).  Implements :eq:`eq-tanh-prime`."""
    T = np.tanh(Z)
    return 1 - T * T


def relu(Z):
    """Rectified linear unit max(0, z).  Implements :eq:`eq-relu`."""
    return np.maximum(Z, 0)


def relu_prime(Z):
    """1 where z > 0, else 0 (the kink at 0 is given slope 0).  Implements :eq:`eq-relu-prime`."""
    return (Z > 0).astype(Z.dtype)


def leaky_relu(Z, alpha=0.01):
    """z for z > 0, α z otherwise.  Implements :eq:`eq-leaky-relu`."""
    return np.where(Z > 0, Z, alpha * Z)


def leaky_relu_prime(Z, alpha=0.01):
    """1 for z > 0, α otherwise.  Implements :eq:`eq-leaky-relu-prime`."""
    return np.where(Z > 0, 1, alpha).astype(Z.dtype)


def softmax(Z):
    """Softmax over each column: a_k = e^(z_k) / Σ_j e^(z_j).

    Implements :eq:`eq-softmax`.  Subtracting each column's **max** first
    leaves the result unchanged (the factor e^(−max) cancels) and makes the
    largest exponent e^0 = 1, so huge logits cannot overflow.
    """
    E = Z - Z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def softmax_backward(dA, A):
    """dZ from dA through a softmax, as a Jacobian-vector product.

    Implements :eq:`eq-softmax-backward`.  ``A`` is the softmax's output.  The
    Jacobian of one column is ∂a_i/∂z_j = a_i (δ_ij − a_j), so
    dz_j = Σ_i dA_i a_i (δ_ij − a_j) = a_j (dA_j − Σ_i dA_i a_i),
    computed without ever forming the (n × n) matrix.
    """
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation as a layer uses it.

    ``forward(Z) -> A``; ``backward(dA, Z, A) -> dZ``, which for an
    elementwise ``g`` is ``dA ⊙ g'(Z)`` (:eq:`eq-backprop-dz`).
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _relu_backward(dA, Z, A):
    # dA ⊙ 1[z > 0]; multiplying by the boolean mask keeps dA's dtype.
    return dA * (Z > 0)


def _sigmoid_backward(dA, Z, A):
    # σ' = A (1 − A) reuses the forward result instead of recomputing σ(Z).
    with np.errstate(under="ignore"):
        return dA * A * (1 - A)


def _tanh_backward(dA, Z, A):
    return dA * (1 - A * A)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", identity, lambda dA, Z, A: dA),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward),
    "tanh": Activation("tanh", tanh, _tanh_backward),
    "relu": Activation("relu", relu, _relu_backward),
    "leaky_relu": Activation("leaky_relu", leaky_relu, lambda dA, Z, A: dA * leaky_relu_prime(Z)),
    "softmax": Activation("softmax", softmax, lambda dA, Z, A: softmax_backward(dA, A)),
}


def get_activation(activation) -> Activation:
    """Return the :class:`Activation` called ``activation`` (or ``activation`` itself).

    ``None`` means ``"identity"``.  An unknown name raises ``ValueError``
    listing the valid names and the closest one.
    """
    if activation is None:
        return ACTIVATIONS["identity"]
    if isinstance(activation, Activation):
        return activation
    return lookup("activation", activation, ACTIVATIONS, "an Activation")
