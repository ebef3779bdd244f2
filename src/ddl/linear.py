"""Linear and logistic regression (Part 2), trained by gradient descent (Part 3).

Data are laid out as everywhere in the package: X is (n, m), Y is (1, m);
the weights are a row W (1, n) and the bias b is (1, 1).

* linear regression    ŷ = W X + b          (eq-linear-regression)
* logistic regression  ŷ = σ(W X + b)       (eq-logistic-regression)

With the mean squared error for the first and the cross-entropy for the
second, both have the same gradients (eq-linear-gradients):

    dW = (1/m) (Ŷ − Y) Xᵀ,      db = (1/m) Σ (Ŷ − Y)

and gradient descent repeats W ← W − α dW, b ← b − α db (eq-gd-update).
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .losses import binary_cross_entropy, mean_squared_error

__all__ = [
    "LinearRegression",
    "LogisticRegression",
    "gradients",
    "linear_cost",
    "linear_forward",
    "logistic_cost",
    "logistic_forward",
]


def linear_forward(W, b, X):
    """ŷ = W X + b.  Implements :eq:`eq-linear-regression`."""
    return W @ X + b


def logistic_forward(W, b, X):
    """ŷ = σ(W X + b), the probability that y = 1.  Implements :eq:`eq-logistic-regression`."""
    return sigmoid(W @ X + b)


def linear_cost(W, b, X, Y):
    """Mean squared error J = (1/2m) Σ (ŷ − y)² of linear regression."""
    return mean_squared_error(linear_forward(W, b, X), Y)


def logistic_cost(W, b, X, Y):
    """Cross-entropy of logistic regression, computed from the logits W X + b."""
    return binary_cross_entropy(W @ X + b, Y)


def gradients(Y_hat, Y, X):
    """dW = (1/m)(Ŷ − Y)Xᵀ and db = (1/m)Σ(Ŷ − Y), for either model.

    Implements :eq:`eq-linear-gradients`.
    """
    m = X.shape[1]
    dZ = Y_hat - Y
    dW = dZ @ X.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return dW, db


class _GradientDescentModel:
    def __init__(self, learning_rate=0.1, n_iterations=1000):
        if not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, got {learning_rate!r}.")
        if isinstance(n_iterations, bool) or not isinstance(n_iterations, int) or n_iterations < 0:
            raise ValueError(
                f"n_iterations: expected a non-negative integer, got {n_iterations!r}."
            )
        self.learning_rate, self.n_iterations = learning_rate, n_iterations
        self.W = self.b = None
        self.costs = []

    def _check(self, X, Y=None):
        if not isinstance(X, np.ndarray) or X.ndim != 2:
            raise ValueError(
                f"X: expected a 2-D array (n_features, m), got {getattr(X, 'shape', type(X).__name__)}."
            )
        if self.W is not None and X.shape[0] != self.W.shape[1]:
            raise ValueError(f"X: expected {self.W.shape[1]} features (rows), got {X.shape[0]}.")
        if Y is not None and (np.ndim(Y) != 2 or Y.shape != (1, X.shape[1])):
            raise ValueError(f"Y: expected shape (1, {X.shape[1]}), got {np.shape(Y)}.")

    def fit(self, X, Y, rng):
        """Start from small random weights (from ``rng``) and b = 0, then run
        ``n_iterations`` steps of batch gradient descent, recording the cost.

        Each step implements :eq:`eq-gd-update`.
        """
        self.W = None
        self._check(X, Y)
        self.W = 0.01 * rng.standard_normal((1, X.shape[0]))
        self.b = np.zeros((1, 1))
        self.costs = []
        for _ in range(self.n_iterations):
            self.costs.append(self.cost(X, Y))
            dW, db = gradients(self.forward(X), Y, X)
            self.W -= self.learning_rate * dW
            self.b -= self.learning_rate * db
        return self


class LinearRegression(_GradientDescentModel):
    """ŷ = W X + b fitted by gradient descent on the mean squared error."""

    def forward(self, X):
        return linear_forward(self.W, self.b, X)

    def cost(self, X, Y):
        return linear_cost(self.W, self.b, X, Y)

    def predict(self, X):
        self._check(X)
        return self.forward(X)


class LogisticRegression(_GradientDescentModel):
    """ŷ = σ(W X + b) fitted by gradient descent on the cross-entropy."""

    def forward(self, X):
        return logistic_forward(self.W, self.b, X)

    def cost(self, X, Y):
        return logistic_cost(self.W, self.b, X, Y)

    def predict_proba(self, X):
        self._check(X)
        return self.forward(X)

    def predict(self, X):
        """Labels 0/1, shape (1, m): 1 where the probability is at least 0.5."""
        self._check(X)
        return (self.W @ X + self.b >= 0).astype(np.int64)
