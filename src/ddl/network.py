"""Feed-forward networks (Part 4) and backpropagation through them (Part 5).

A :class:`Network` is a list of layers that follow the interface described in
:mod:`ddl.layers`.  Its last layer outputs logits ``Z[L]``; a loss from
:mod:`ddl.losses` supplies the output activation and ``dZ[L]``:

    Z = network.forward(X)                # logits, shape (n_out, m)
    J = loss.cost(Z, Y)
    network.backward(loss.gradient(Z, Y)) # fills every layer's grads
    optimiser.step(network.parameters(), network.gradients())

``parameters()`` and ``gradients()`` return matching lists of the layers'
arrays themselves (not copies), layer by layer, in each layer's key order
(``W`` then ``b`` for a dense layer).

:func:`feed_forward` builds the usual stack of dense layers from a list of
sizes such as ``[30, 64, 64, 32, 1]``.
"""

from __future__ import annotations

import itertools

import numpy as np

from .layers import Dense
from .regularisation import Dropout

__all__ = ["Network", "feed_forward"]


class Network:
    """A feed-forward network: layers applied in order."""

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("layers: expected at least one layer, got an empty list.")
        for i, layer in enumerate(layers):
            missing = [
                a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)
            ]
            if missing:
                raise TypeError(
                    f"layers[{i}]: expected a layer with forward, backward, params and grads, "
                    f"got {type(layer).__name__} (missing {', '.join(missing)})."
                )
        self.layers = layers

    def __repr__(self):
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        return f"Network([\n    {inner},\n])"

    @property
    def dtype(self):
        """The dtype of the first parameter (float64 if there are none)."""
        params = self.parameters()
        return params[0].dtype if params else np.dtype(np.float64)

    def forward(self, X, training=True):
        """A[0] = X, then A[l] = layer_l(A[l−1]) for l = 1..L; returns the logits Z[L]."""
        A = X
        for layer in self.layers:
            A = layer.forward(A, training=training)
        return A

    def backward(self, dZ_L):
        """Backpropagation: hand each layer the gradient of the one after it.

        ``dZ_L`` is the per-example gradient of the loss with respect to the
        logits (e.g. ``Ŷ − Y``).  Fills every layer's ``grads`` and returns the
        gradient with respect to the input ``X``.
        """
        dA = dZ_L
        for layer in reversed(self.layers):
            dA = layer.backward(dA)
        return dA

    def parameters(self):
        """Every parameter array, layer by layer (the arrays themselves)."""
        return [p for layer in self.layers for p in layer.params.values()]

    def gradients(self):
        """Every gradient array, in the same order as :meth:`parameters`."""
        return [layer.grads[k] for layer in self.layers for k in layer.params]

    def weights(self):
        """``(W, dW)`` pairs for the parameters called "W" (what L1/L2 penalise)."""
        return [
            (layer.params["W"], layer.grads["W"]) for layer in self.layers if "W" in layer.params
        ]

    def predict(self, X, loss):
        """Predictions in evaluation mode: ``loss.predict`` of the logits
        (labels for a classifier, values for a regression)."""
        return loss.predict(self.forward(X, training=False))


def feed_forward(
    sizes, rng, hidden_activation="relu", initialiser="he", *, keep_prob=None, dtype=np.float64
):
    """A :class:`Network` of dense layers with the given sizes.

    ``sizes = [n_x, n_1, ..., n_L]``: ``n_x`` inputs, then the units of each
    layer.  Hidden layers use ``hidden_activation``; the last layer is linear
    (logits).  With ``keep_prob`` set, an inverted-dropout layer follows each
    hidden layer.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [n_inputs, n_outputs], got {sizes}.")
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        last = i == len(sizes) - 2
        activation = "identity" if last else hidden_activation
        layers.append(Dense(n_in, n_out, activation, initialiser, rng, dtype=dtype))
        if keep_prob is not None and not last:
            layers.append(Dropout(keep_prob, rng))
    return Network(layers)
