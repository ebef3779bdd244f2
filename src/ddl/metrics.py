"""Classification metrics (Parts 2 and 7).

All take true and predicted **labels**, each of shape ``(m,)`` or ``(1, m)``.
Precision, recall and F1 are about the positive class ``positive`` (1 by
default).  ``accuracy`` is the fraction of correct predictions (not the error
rate, which is ``1 − accuracy``).

Equation labels: ``eq-accuracy``, ``eq-precision``, ``eq-recall``, ``eq-f1``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "confusion_matrix", "f1_score", "precision", "recall"]


def _labels(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not (y.ndim == 1 or (y.ndim == 2 and y.shape[0] == 1)):
            raise ValueError(f"{name}: expected labels of shape (m,) or (1, m), got {y.shape}.")
    y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_pred: expected {y_true.size} labels like y_true, got {y_pred.size}.")
    if y_true.size == 0:
        raise ValueError("y_true: expected at least one label, got none.")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of examples predicted correctly.  Implements :eq:`eq-accuracy`."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def _counts(y_true, y_pred, positive):
    y_true, y_pred = _labels(y_true, y_pred)
    tp = int(np.sum((y_pred == positive) & (y_true == positive)))
    fp = int(np.sum((y_pred == positive) & (y_true != positive)))
    fn = int(np.sum((y_pred != positive) & (y_true == positive)))
    return tp, fp, fn


def precision(y_true, y_pred, positive=1):
    """TP / (TP + FP): of the predicted positives, how many are.  Implements
    :eq:`eq-precision`.  0 when nothing is predicted positive."""
    tp, fp, _ = _counts(y_true, y_pred, positive)
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true, y_pred, positive=1):
    """TP / (TP + FN): of the real positives, how many are found.  Implements
    :eq:`eq-recall`.  0 when there are no positives."""
    tp, _, fn = _counts(y_true, y_pred, positive)
    return tp / (tp + fn) if tp + fn else 0.0


def f1_score(y_true, y_pred, positive=1):
    """Harmonic mean of precision and recall, 2TP / (2TP + FP + FN).
    Implements :eq:`eq-f1`."""
    tp, fp, fn = _counts(y_true, y_pred, positive)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def confusion_matrix(y_true, y_pred, n_classes=None):
    """C[i, j] = number of examples of true class i predicted as class j."""
    y_true, y_pred = _labels(y_true, y_pred)
    y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    if min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("y_true, y_pred: expected non-negative integer labels.")
    if n_classes is None:
        n_classes = int(max(y_true.max(), y_pred.max())) + 1
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C
