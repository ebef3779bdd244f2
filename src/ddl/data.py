"""Data (Part 1: train, validation and test sets).

Loaders for the data sets scikit-learn ships (no download needed), converted
at this boundary to the package's layout, **examples on the last axis**:

* :func:`load_regression`  diabetes: X (10, 442), Y (1, 442) real values;
* :func:`load_binary`      breast cancer: X (30, 569), Y (1, 569) in {0, 1}
  (1 = malignant, the class to detect);
* :func:`load_multiclass`  8×8 digits: X (64, 1797) pixel values 0–16,
  Y (1, 1797) labels 0–9 (see :func:`one_hot`).

Then :func:`train_val_test_split` (random, from ``rng``) returns a
:class:`Dataset`; :class:`Standardiser` is fitted on the training split only
and applied to all three (:func:`standardise` does both);
:func:`minibatches` yields shuffled batches for one epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Dataset",
    "Standardiser",
    "load_binary",
    "load_multiclass",
    "load_regression",
    "minibatches",
    "one_hot",
    "standardise",
    "train_val_test_split",
]


def _from_sklearn(X, y, dtype):
    """(m, n) and (m,) → (n, m) and (1, m): the one place the layout changes."""
    return np.ascontiguousarray(X.T, dtype=dtype), np.asarray(y).reshape(1, -1)


def load_regression(dtype=np.float64):
    """Diabetes progression after one year: X (10, 442), Y (1, 442)."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, scaled=False)
    X, Y = _from_sklearn(X, y, dtype)
    return X, Y.astype(dtype)


def load_binary(dtype=np.float64):
    """Breast Cancer Wisconsin: X (30, 569), Y (1, 569), 1 = malignant.

    scikit-learn codes malignant as 0; it is flipped here so that the
    positive class (the one precision and recall are about) is the tumour.
    """
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X, Y = _from_sklearn(X, 1 - y, dtype)
    return X, Y.astype(dtype)


def load_multiclass(dtype=np.float64):
    """8×8 handwritten digits: X (64, 1797) in [0, 16], Y (1, 1797) integer labels 0–9."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, Y = _from_sklearn(X, y, dtype)
    return X, Y.astype(np.int64)


def _check_xy(X, Y):
    for name, A in (("X", X), ("Y", Y)):
        if not isinstance(A, np.ndarray) or A.ndim != 2:
            raise ValueError(
                f"{name}: expected a 2-D array (rows, m) with examples on the last axis, "
                f"got {getattr(A, 'shape', type(A).__name__)}."
            )
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y: expected {X.shape[1]} examples (columns) like X, got {Y.shape[1]}.")


@dataclass(frozen=True)
class Dataset:
    """A data set split three ways, each part laid out (rows, m)."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray

    def astype(self, dtype):
        """A copy with every X in ``dtype`` (and float Y too; integer labels stay)."""

        def conv(A, is_x):
            return A.astype(dtype) if is_x or A.dtype.kind == "f" else A

        return Dataset(*(conv(A, i % 2 == 0) for i, A in enumerate(self._parts())))

    def _parts(self):
        return (self.X_train, self.Y_train, self.X_val, self.Y_val, self.X_test, self.Y_test)


def train_val_test_split(X, Y, rng, val_fraction=0.2, test_fraction=0.2):
    """Shuffle the ``m`` examples with ``rng`` and cut them into three parts.

    The test part gets ``round(test_fraction · m)`` examples, the validation
    part ``round(val_fraction · m)`` and training the rest.
    """
    _check_xy(X, Y)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}.")
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= f < 1:
            raise ValueError(f"{name}: expected a fraction in [0, 1), got {f!r}.")
    m = X.shape[1]
    n_test, n_val = round(test_fraction * m), round(val_fraction * m)
    if n_test + n_val >= m:
        raise ValueError(
            f"val_fraction + test_fraction: expected to leave training examples, "
            f"got {val_fraction} + {test_fraction} of m = {m}."
        )
    order = rng.permutation(m)
    test, val, train = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
    return Dataset(X[:, train], Y[:, train], X[:, val], Y[:, val], X[:, test], Y[:, test])


class Standardiser:
    """Rescale each feature (row) to mean 0 and standard deviation 1.

    ``fit`` on the training split only, so that nothing about the validation
    or test examples leaks into training.  Constant features are left at 0.
    """

    def __init__(self):
        self.mean = None
        self.std = None

    def fit(self, X):
        if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] < 1:
            raise ValueError(
                f"X: expected a 2-D array (n_features, m), got {getattr(X, 'shape', X)}."
            )
        # A constant feature keeps its value as its mean and 1 as its scale, so it maps to exactly
        # 0: its computed mean need not round back to the value (0.1 over 37 examples does not),
        # and the tiny standard deviation left over would blow any other value up.
        constant = (X == X[:, :1]).all(axis=1, keepdims=True)
        self.mean = np.where(constant, X[:, :1], X.mean(axis=1, keepdims=True))
        std = X.std(axis=1, keepdims=True)
        self.std = np.where(constant | ~(std > 0), 1, std).astype(X.dtype)
        return self

    def _check_fitted(self, X):
        if self.mean is None:
            raise RuntimeError("Standardiser: call fit(X_train) before transform.")
        if X.ndim != 2 or X.shape[0] != self.mean.shape[0]:
            raise ValueError(
                f"X: expected shape ({self.mean.shape[0]}, m) like the fitted data, got {X.shape}."
            )

    def transform(self, X):
        self._check_fitted(X)
        return ((X - self.mean) / self.std).astype(X.dtype, copy=False)

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        self._check_fitted(X)
        return (X * self.std + self.mean).astype(X.dtype, copy=False)


def standardise(data):
    """Fit a :class:`Standardiser` on ``data.X_train``; return the rescaled
    :class:`Dataset` and the standardiser."""
    s = Standardiser().fit(data.X_train)
    scaled = Dataset(
        s.transform(data.X_train),
        data.Y_train,
        s.transform(data.X_val),
        data.Y_val,
        s.transform(data.X_test),
        data.Y_test,
    )
    return scaled, s


def one_hot(y, n_classes=None, dtype=np.float64):
    """Labels of shape (m,) or (1, m) → one-hot matrix (n_classes, m)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim != 1:
        raise ValueError(f"y: expected labels of shape (m,) or (1, m), got {y.shape}.")
    if y.size and (not np.all(y == np.round(y)) or y.min() < 0):
        raise ValueError("y: expected non-negative integer labels.")
    y = y.astype(np.int64)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= n_classes:
        raise ValueError(
            f"n_classes: expected more than the largest label {y.max()}, got {n_classes}."
        )
    Y = np.zeros((n_classes, y.size), dtype=dtype)
    Y[y, np.arange(y.size)] = 1
    return Y


def minibatches(X, Y, batch_size, rng):
    """Yield ``(X_batch, Y_batch)`` covering one epoch in a random order.

    The examples are shuffled with ``rng``, then cut into batches of
    ``batch_size`` (the last may be smaller).  ``batch_size=None`` gives
    one batch of everything (batch gradient descent); 1 gives stochastic
    gradient descent.
    """
    _check_xy(X, Y)
    m = X.shape[1]
    if batch_size is None:
        batch_size = m
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size: expected a positive integer or None, got {batch_size!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}.")
    order = rng.permutation(m)
    for start in range(0, m, batch_size):
        idx = order[start : start + batch_size]
        yield X[:, idx], Y[:, idx]
