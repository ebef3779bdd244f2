"""Layers (Parts 4 and 5): the dense layer, forward and backward side by side.

The layer interface every layer of the package follows (dense, dropout,
convolution, pooling, recurrent), and all that :class:`ddl.network.Network`,
the optimisers and the training loop rely on:

``layer.forward(A_prev, training=True) -> A``
    computes the layer's output and keeps what ``backward`` needs;
    ``training=False`` is evaluation mode (dropout off).
``layer.backward(dA) -> dA_prev``
    takes the per-example gradient of the loss with respect to the layer's
    output and returns it with respect to the layer's input; on the way it
    writes ``∂J/∂θ`` (averaged over the ``m`` examples) into ``layer.grads``.
``layer.params`` / ``layer.grads``
    dicts with the same keys, e.g. ``{"W": ..., "b": ...}``; a layer without
    parameters has two empty dicts.  The arrays are created once and then
    only ever modified **in place** (optimisers update ``params`` in place;
    ``backward`` writes into ``grads``), so references taken once stay valid.

A dense layer computes, for a batch ``A_prev`` of shape ``(n_in, m)``:

    Z = W A_prev + b              (eq-dense-forward)
    A = g(Z)                      (eq-activation)

and backwards, given ``dA``:

    dZ      = dA ⊙ g'(Z)          (eq-backprop-dz)
    dW      = (1/m) dZ A_prevᵀ    (eq-backprop-dw)
    db      = (1/m) Σ_i dZ        (eq-backprop-db)
    dA_prev = Wᵀ dZ               (eq-backprop-da-prev)

The dtype of a layer is the dtype of its weights (float64 or float32); inputs
of another dtype are rejected rather than silently converted.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .initialisers import get_initialiser

__all__ = ["Dense", "Layer", "check_input"]


def check_input(A_prev, n_in, dtype, name="A_prev"):
    """Validate a layer input: a 2-D array ``(n_in, m)`` of the layer's dtype."""
    if not isinstance(A_prev, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array, got {type(A_prev).__name__}.")
    if A_prev.ndim != 2 or A_prev.shape[0] != n_in:
        raise ValueError(
            f"{name}: expected shape ({n_in}, m) with examples on the last axis, "
            f"got {A_prev.shape}."
        )
    if A_prev.dtype != dtype:
        raise TypeError(
            f"{name}: expected dtype {np.dtype(dtype)} (the layer's weights), got {A_prev.dtype}; "
            f"convert the data once with X.astype(np.{np.dtype(dtype)})."
        )


class Layer:
    """Base class: no parameters, identity forward and backward."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, A_prev, training=True):
        return A_prev

    def backward(self, dA):
        return dA


class Dense(Layer):
    """Fully connected layer ``A = g(W A_prev + b)``.

    Parameters
    ----------
    n_in, n_out : int
        Units in the previous layer and in this one.
    activation : str or Activation, default "identity"
        ``g``; the last layer of a network keeps "identity" and outputs logits.
    initialiser : str or callable, default "he"
        How ``W`` starts (see :mod:`ddl.initialisers`); ``b`` starts at zero.
    rng : numpy.random.Generator
        Source of the initial weights (may be omitted only for "zeros").
    dtype : float64 or float32, default float64
    """

    def __init__(
        self, n_in, n_out, activation="identity", initialiser="he", rng=None, *, dtype=np.float64
    ):
        super().__init__()
        for name, value in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}.")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected float32 or float64, got {dtype}.")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = get_activation(activation)
        init = get_initialiser(initialiser)
        W = np.ascontiguousarray(init((self.n_out, self.n_in), rng, dtype=dtype), dtype=dtype)
        self.params = {"W": W, "b": np.zeros((self.n_out, 1), dtype=dtype)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros((self.n_out, 1), dtype=dtype)}
        self.cache = None

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r})"

    def forward(self, A_prev, training=True):
        """Z = W A_prev + b, A = g(Z).  Implements :eq:`eq-dense-forward`, :eq:`eq-activation`."""
        W, b = self.params["W"], self.params["b"]
        check_input(A_prev, self.n_in, W.dtype)
        Z = W @ A_prev
        Z += b
        A = self.activation.forward(Z)
        self.cache = (A_prev, Z, A)
        return A

    def backward(self, dA):
        """dZ, dW, db, dA_prev in the order of the equations.

        Implements :eq:`eq-backprop-dz`, :eq:`eq-backprop-dw`,
        :eq:`eq-backprop-db` and :eq:`eq-backprop-da-prev`.
        """
        if self.cache is None:
            raise RuntimeError("Dense.backward called before forward.")
        A_prev, Z, A = self.cache
        W = self.params["W"]
        m = A_prev.shape[1]
        if dA.shape != Z.shape:
            raise ValueError(f"dA: expected shape {Z.shape} (the layer's output), got {dA.shape}.")
        dZ = self.activation.backward(dA, Z, A)
        dW = np.matmul(dZ, A_prev.T, out=self.grads["W"])  # written in place
        dW *= 1 / m
        db = np.sum(dZ, axis=1, keepdims=True, out=self.grads["b"])
        db *= 1 / m
        dA_prev = W.T @ dZ
        return dA_prev
