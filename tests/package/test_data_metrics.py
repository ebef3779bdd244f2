"""Data loaders, splits, standardisation, batches; and the metrics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from ddl import data
from ddl.metrics import accuracy, confusion_matrix, f1_score, precision, recall

SETTINGS = settings(max_examples=40, deadline=None)


def test_loaders_put_examples_on_the_last_axis():
    X, Y = data.load_regression()
    assert X.shape == (10, 442) and Y.shape == (1, 442) and X.flags.c_contiguous
    X, Y = data.load_binary(np.float32)
    assert X.shape == (30, 569) and Y.shape == (1, 569) and X.dtype == np.float32
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.sum() == 212  # 212 malignant tumours
    X, Y = data.load_multiclass()
    assert X.shape == (64, 1797) and Y.shape == (1, 1797) and set(np.unique(Y)) == set(range(10))


def test_split_is_a_random_partition_of_the_examples():
    X = np.arange(30.0).reshape(3, 10)
    Y = np.arange(10).reshape(1, 10)
    d = data.train_val_test_split(X, Y, np.random.default_rng(0), 0.2, 0.3)
    assert (d.X_train.shape[1], d.X_val.shape[1], d.X_test.shape[1]) == (5, 2, 3)
    labels = np.concatenate([d.Y_train, d.Y_val, d.Y_test], axis=1)[0]
    assert sorted(labels) == list(range(10))
    for Xs, Ys in ((d.X_train, d.Y_train), (d.X_val, d.Y_val), (d.X_test, d.Y_test)):
        np.testing.assert_array_equal(Xs, X[:, Ys[0]])  # columns stay paired
    again = data.train_val_test_split(X, Y, np.random.default_rng(0), 0.2, 0.3)
    np.testing.assert_array_equal(again.Y_test, d.Y_test)
    with pytest.raises(AttributeError):
        d.X_train = X  # frozen


def test_standardiser_is_fitted_on_the_training_split_only():
    rng = np.random.default_rng(1)
    X = rng.normal(5, 3, (4, 200))
    Y = np.zeros((1, 200))
    d = data.train_val_test_split(X, Y, rng)
    scaled, s = data.standardise(d)
    np.testing.assert_allclose(scaled.X_train.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.X_train.std(axis=1), 1)
    np.testing.assert_allclose(s.mean[:, 0], d.X_train.mean(axis=1))
    np.testing.assert_allclose(
        scaled.X_test,
        (d.X_test - d.X_train.mean(axis=1, keepdims=True)) / d.X_train.std(axis=1, keepdims=True),
    )
    np.testing.assert_allclose(s.inverse_transform(scaled.X_val), d.X_val)


def test_one_hot():
    np.testing.assert_array_equal(
        data.one_hot([2, 0, 1, 2]), [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
    )
    assert data.one_hot(np.array([[1, 0]]), n_classes=4).shape == (4, 2)
    with pytest.raises(ValueError, match="n_classes: expected more than the largest label 3"):
        data.one_hot([3], n_classes=3)


@SETTINGS
@given(m=st.integers(1, 50), batch_size=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_minibatches_cover_every_example_once(m, batch_size, seed):
    X = np.arange(2 * m, dtype=float).reshape(2, m)
    Y = np.arange(m).reshape(1, m)
    batches = list(data.minibatches(X, Y, batch_size, np.random.default_rng(seed)))
    assert len(batches) == -(-m // batch_size)
    assert all(Xb.shape[1] == Yb.shape[1] <= batch_size for Xb, Yb in batches)
    seen = np.concatenate([Yb for _, Yb in batches], axis=1)[0]
    assert sorted(seen) == list(range(m))
    for Xb, Yb in batches:
        np.testing.assert_array_equal(Xb, X[:, Yb[0]])


def test_minibatches_validate_their_arguments():
    with pytest.raises(ValueError, match="batch_size: expected a positive integer or None, got 0"):
        next(data.minibatches(np.zeros((2, 3)), np.zeros((1, 3)), 0, np.random.default_rng()))
    with pytest.raises(ValueError, match="Y: expected 3 examples"):
        next(data.minibatches(np.zeros((2, 3)), np.zeros((1, 4)), 2, np.random.default_rng()))


def test_accuracy_is_accuracy_not_the_error_rate():
    y = np.array([[1, 0, 1, 1, 0]])
    assert accuracy(y, y) == 1.0
    assert accuracy(y, 1 - y) == 0.0
    assert accuracy(y, np.array([[1, 0, 1, 0, 1]])) == pytest.approx(0.6)


def test_precision_recall_f1_by_hand():
    y_true = [1, 1, 1, 0, 0, 0, 1, 0]
    y_pred = [1, 1, 0, 1, 0, 0, 0, 0]
    # TP 2, FP 1, FN 2
    assert precision(y_true, y_pred) == pytest.approx(2 / 3)
    assert recall(y_true, y_pred) == pytest.approx(2 / 4)
    assert f1_score(y_true, y_pred) == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), [[3, 1], [2, 2]])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 40), k=st.integers(2, 5))
def test_metrics_agree_with_scikit_learn(seed, m, k):
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.integers(0, 2, m), rng.integers(0, 2, m)
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert precision(y_true, y_pred) == pytest.approx(
        skm.precision_score(y_true, y_pred, zero_division=0)
    )
    assert recall(y_true, y_pred) == pytest.approx(
        skm.recall_score(y_true, y_pred, zero_division=0)
    )
    assert f1_score(y_true, y_pred) == pytest.approx(skm.f1_score(y_true, y_pred, zero_division=0))
    a, b = rng.integers(0, k, m), rng.integers(0, k, m)
    np.testing.assert_array_equal(
        confusion_matrix(a, b, k), skm.confusion_matrix(a, b, labels=range(k))
    )


def test_metrics_validate_shapes():
    with pytest.raises(ValueError, match="y_pred: expected 3 labels like y_true, got 2"):
        accuracy([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match=r"y_true: expected labels of shape \(m,\) or \(1, m\)"):
        accuracy(np.zeros((3, 2)), np.zeros((3, 2)))


def test_dataset_astype_converts_every_x_and_float_y_and_keeps_integer_labels():
    rng = np.random.default_rng(3)
    parts = []
    for m in (5, 3, 2):
        parts += [rng.normal(size=(4, m)), rng.integers(0, 3, size=(1, m))]
    labelled = data.Dataset(*parts)
    single = labelled.astype(np.float32)
    for name, original in zip(("X_train", "Y_train", "X_val", "Y_val", "X_test", "Y_test"), parts):
        converted = getattr(single, name)
        if name.startswith("X"):
            assert converted.dtype == np.float32
            np.testing.assert_array_equal(converted, original.astype(np.float32))
        else:
            assert converted.dtype == original.dtype  # labels stay integers
            np.testing.assert_array_equal(converted, original)
    assert labelled.X_train.dtype == np.float64  # a copy: the original is unchanged
    regression = data.Dataset(*[p.astype(np.float64) for p in parts]).astype(np.float32)
    assert {getattr(regression, n).dtype for n in ("Y_train", "Y_val", "Y_test")} == {
        np.dtype(np.float32)
    }
