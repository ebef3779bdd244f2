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
    # integer pixel values (X) become floats too; the labels beside them stay integers
    pixels = data.Dataset(*[p.astype(np.int64) for p in parts]).astype(np.float32)
    fields = ("X_train", "Y_train", "X_val", "Y_val", "X_test", "Y_test")
    assert [getattr(pixels, n).dtype.kind for n in fields] == ["f", "i"] * 3


# ---- what each loader, split, standardiser and batcher promises, and the messages for bad input


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loaders_give_the_raw_values_in_the_dtype_asked_for(dtype):
    # Diabetes, unscaled: the first patient is 59 years old with BMI 32.1, and progressed to 151.
    X, Y = data.load_regression(dtype)
    assert X.dtype == Y.dtype == dtype and X.flags.c_contiguous
    np.testing.assert_allclose(X[[0, 2], 0], [59.0, 32.1], rtol=1e-6)
    assert Y[0, 0] == 151.0
    assert X[0].min() == 19 and X[0].max() == 79  # ages, not centred and scaled
    # Breast cancer: the first tumour (mean radius 17.99) is malignant, so its label is 1.
    X, Y = data.load_binary(dtype)
    assert X.dtype == Y.dtype == dtype
    assert X[0, 0] == pytest.approx(17.99, rel=1e-6) and Y[0, 0] == 1
    # Digits: pixel values 0..16, the first image is a 0, labels are integers whatever X is.
    X, Y = data.load_multiclass(dtype)
    assert X.dtype == dtype and Y.dtype == np.int64 and X.flags.c_contiguous
    assert (X.min(), X.max()) == (0, 16) and Y[0, 0] == 0 and Y[0, 1] == 1


def test_loaders_default_to_float64():
    for load in (data.load_regression, data.load_binary):
        X, Y = load()
        assert X.dtype == Y.dtype == np.float64
    assert data.load_multiclass()[0].dtype == np.float64


def test_default_split_is_60_20_20_and_fractions_may_be_zero():
    X = np.arange(20.0).reshape(2, 10)
    Y = np.arange(10).reshape(1, 10)
    d = data.train_val_test_split(X, Y, np.random.default_rng(4))
    assert (d.Y_train.size, d.Y_val.size, d.Y_test.size) == (6, 2, 2)
    d = data.train_val_test_split(X, Y, np.random.default_rng(4), 0, 0)
    assert (d.Y_train.size, d.Y_val.size, d.Y_test.size) == (10, 0, 0)
    d = data.train_val_test_split(X, Y, np.random.default_rng(4), 0.5, 0.4)
    assert (d.Y_train.size, d.Y_val.size, d.Y_test.size) == (1, 5, 4)  # one left to train on


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            (np.zeros(3), np.zeros((1, 3)), None),
            ValueError,
            "X: expected a 2-D array (rows, m) with examples on the last axis, got (3,).",
        ),
        (
            (np.zeros((2, 3)), [[0, 1, 2]], None),
            ValueError,
            "Y: expected a 2-D array (rows, m) with examples on the last axis, got list.",
        ),
        (
            (np.zeros((2, 3)), np.zeros((1, 4)), None),
            ValueError,
            "Y: expected 3 examples (columns) like X, got 4.",
        ),
        (
            (np.zeros((2, 3)), np.zeros((1, 3)), 7),
            TypeError,
            "rng: expected a numpy.random.Generator, got int.",
        ),
        (
            (np.zeros((2, 3)), np.zeros((1, 3)), None, 1.0),
            ValueError,
            "val_fraction: expected a fraction in [0, 1), got 1.0.",
        ),
        (
            (np.zeros((2, 3)), np.zeros((1, 3)), None, 0.2, -0.1),
            ValueError,
            "test_fraction: expected a fraction in [0, 1), got -0.1.",
        ),
        (
            (np.zeros((2, 10)), np.zeros((1, 10)), None, 0.5, 0.5),
            ValueError,
            "val_fraction + test_fraction: expected to leave training examples, "
            "got 0.5 + 0.5 of m = 10.",
        ),
        (
            (np.zeros((2, 10)), np.zeros((1, 10)), None, 0.6, 0.4),
            ValueError,
            "val_fraction + test_fraction: expected to leave training examples, "
            "got 0.6 + 0.4 of m = 10.",
        ),
    ],
)
def test_split_refuses_bad_input_with_a_message(args, error, message):
    args = list(args)
    if args[2] is None:
        args[2] = np.random.default_rng(0)
    with pytest.raises(error) as raised:
        data.train_val_test_split(*args)
    assert str(raised.value) == message


def test_standardiser_leaves_constant_features_at_zero_and_keeps_the_dtype():
    X = np.array([[1.0, 2.0, 3.0, 6.0], [4.0, 4.0, 4.0, 4.0]], dtype=np.float32)
    s = data.Standardiser()
    Z = s.fit_transform(X)
    assert Z.dtype == np.float32 and s.std.dtype == np.float32
    np.testing.assert_array_equal(Z[1], 0)
    np.testing.assert_allclose(Z[0], (X[0] - 3.0) / np.std([1.0, 2.0, 3.0, 6.0]), rtol=1e-6)
    np.testing.assert_allclose(s.inverse_transform(Z), X, rtol=1e-6)
    # Fitted on float64 data, it still hands float32 back for float32 input, both ways.
    s64 = data.Standardiser().fit(X.astype(np.float64))
    assert s64.transform(X).dtype == np.float32
    assert s64.inverse_transform(X).dtype == np.float32
    one = data.Standardiser().fit(np.array([[2.0], [5.0]]))  # one example: every feature constant
    np.testing.assert_array_equal(one.transform(np.array([[3.0], [5.0]])), [[1.0], [0.0]])


def test_standardiser_refuses_bad_input_with_a_message():
    s = data.Standardiser()
    assert s.mean is None and s.std is None  # nothing learnt before fit
    with pytest.raises(
        RuntimeError, match=r"^Standardiser: call fit\(X_train\) before transform\.$"
    ):
        s.transform(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="call fit"):
        s.inverse_transform(np.zeros((2, 3)))
    for bad, shown in ((np.zeros((2, 0)), "(2, 0)"), (np.zeros(3), "(3,)"), ([[1.0]], "[[1.0]]")):
        with pytest.raises(ValueError) as error:
            s.fit(bad)
        assert str(error.value) == f"X: expected a 2-D array (n_features, m), got {shown}."
    s.fit(np.ones((2, 3)))
    for bad in (np.zeros((3, 4)), np.zeros(2)):
        for f in (s.transform, s.inverse_transform):
            with pytest.raises(ValueError) as error:
                f(bad)
            assert str(error.value) == (
                f"X: expected shape (2, m) like the fitted data, got {bad.shape}."
            )


def test_one_hot_contract():
    Y = data.one_hot(np.array([1.0, 0.0, 1.0]), dtype=np.float32)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 1, 0], [1, 0, 1]])
    assert data.one_hot([2, 0]).dtype == np.float64
    np.testing.assert_array_equal(data.one_hot([0, 0]), [[1, 1]])
    np.testing.assert_array_equal(data.one_hot([1], n_classes=2), [[0], [1]])  # largest < n
    assert data.one_hot([]).shape == (0, 0)
    assert data.one_hot([], n_classes=3).shape == (3, 0)
    for bad in ([0.5, 1], [-1, 0], [[0, 1], [1, 0]], 3):
        with pytest.raises(ValueError) as error:
            data.one_hot(bad)
        text = str(error.value)
        if np.ndim(bad) == 1:
            assert text == "y: expected non-negative integer labels."
        else:
            assert text == (f"y: expected labels of shape (m,) or (1, m), got {np.shape(bad)}.")
    with pytest.raises(ValueError) as error:
        data.one_hot([3, 1], n_classes=2)
    assert str(error.value) == "n_classes: expected more than the largest label 3, got 2."


def test_minibatches_of_none_is_one_batch_and_sizes_are_checked():
    X = np.arange(10.0).reshape(2, 5)
    Y = np.arange(5).reshape(1, 5)
    [(Xb, Yb)] = list(data.minibatches(X, Y, None, np.random.default_rng(1)))
    assert sorted(Yb[0]) == list(range(5)) and Xb.shape == (2, 5)
    sizes = [b[1].size for b in data.minibatches(X, Y, np.int64(2), np.random.default_rng(1))]
    assert sizes == [2, 2, 1]
    assert [b[1].size for b in data.minibatches(X, Y, 1, np.random.default_rng(1))] == [1] * 5
    for bad in (True, 2.0, -1, "2"):
        with pytest.raises(ValueError) as error:
            next(data.minibatches(X, Y, bad, np.random.default_rng()))
        assert str(error.value) == (
            f"batch_size: expected a positive integer or None, got {bad!r}."
        )
    with pytest.raises(TypeError) as error:
        next(data.minibatches(X, Y, 2, np.random.RandomState(0)))
    assert str(error.value) == "rng: expected a numpy.random.Generator, got RandomState."
    with pytest.raises(ValueError, match=r"^X: expected a 2-D array \(rows, m\)"):
        next(data.minibatches(X[0], Y, 2, np.random.default_rng()))


@pytest.mark.filterwarnings("ignore:A single label was found")
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 30), positive=st.sampled_from([0, 2, 3]))
def test_metrics_of_another_positive_class_agree_with_scikit_learn(seed, m, positive):
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.integers(0, 4, (1, m)), rng.integers(0, 4, m)  # (1, m) and (m,) mix
    a, b = y_true[0] == positive, y_pred == positive
    for ours, theirs in (
        (precision, skm.precision_score),
        (recall, skm.recall_score),
        (f1_score, skm.f1_score),
    ):
        got = ours(y_true, y_pred, positive=positive)
        assert got == pytest.approx(theirs(a, b, zero_division=0))
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred),
        skm.confusion_matrix(y_true[0], y_pred, labels=range(max(y_true.max(), y_pred.max()) + 1)),
    )


def test_metrics_are_zero_when_their_denominator_is():
    never = [0, 0, 0]
    assert precision([1, 0, 1], never) == 0.0  # nothing predicted positive
    assert recall(never, [1, 0, 1]) == 0.0  # no real positives
    assert f1_score(never, never) == 0.0  # neither
    assert (precision([1, 1], [1, 1]), recall([1, 1], [1, 1]), f1_score([1], [1])) == (1, 1, 1)
    assert f1_score([1, 1], [1, 0]) == pytest.approx(2 / 3)  # TP 1, FP 0, FN 1
    assert f1_score([0, 1], [1, 0]) == 0.0  # TP 0, FP 1, FN 1
    assert isinstance(accuracy([1], [1]), float)


def test_confusion_matrix_size_and_labels():
    np.testing.assert_array_equal(confusion_matrix([0, 0], [0, 0]), [[2]])
    assert confusion_matrix([0, 1], [1, 1]).dtype == skm.confusion_matrix([0, 1], [1, 1]).dtype
    assert confusion_matrix([0, 1], [1, 1], n_classes=3).dtype.kind == "i"  # counts
    np.testing.assert_array_equal(confusion_matrix([2.0], [0.0]), [[0, 0, 0], [0, 0, 0], [1, 0, 0]])
    assert confusion_matrix([0, 1], [1, 0], n_classes=4).shape == (4, 4)
    for y_true, y_pred in (([-1, 0], [0, 0]), ([0, 0], [0, -1])):
        with pytest.raises(ValueError) as error:
            confusion_matrix(y_true, y_pred)
        assert str(error.value) == "y_true, y_pred: expected non-negative integer labels."


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([1, 0, 1], [1, 0], "y_pred: expected 3 labels like y_true, got 2."),
        (
            np.zeros((3, 2)),
            np.zeros((3, 2)),
            "y_true: expected labels of shape (m,) or (1, m), got (3, 2).",
        ),
        ([1, 0], np.zeros((2, 1)), "y_pred: expected labels of shape (m,) or (1, m), got (2, 1)."),
        (5, 5, "y_true: expected labels of shape (m,) or (1, m), got ()."),
        (
            np.zeros((1, 1, 2)),
            [0, 0],
            "y_true: expected labels of shape (m,) or (1, m), got (1, 1, 2).",
        ),
        ([], [], "y_true: expected at least one label, got none."),
    ],
)
def test_every_metric_refuses_bad_labels_with_a_message(y_true, y_pred, message):
    for metric in (accuracy, precision, recall, f1_score, confusion_matrix):
        with pytest.raises(ValueError) as error:
            metric(y_true, y_pred)
        assert str(error.value) == message


def test_a_feature_whose_spread_underflows_to_zero_is_scaled_by_one_not_divided_by_zero():
    # Two distinct subnormal values: their variance underflows to exactly 0 in float64.
    X = np.array([[0.0, 5e-324], [1.0, 3.0]])
    with np.errstate(under="ignore"):
        s = data.Standardiser().fit(X)
        scaled = s.transform(X)
    assert s.std[0, 0] == 1.0
    assert np.all(np.isfinite(scaled))
    np.testing.assert_allclose(scaled[1], [-1.0, 1.0])
