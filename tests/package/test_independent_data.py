"""Data helpers against independent references: the loaders against scikit-learn's arrays,
the split and the batches against the generator's own permutation, one_hot against torch."""

import numpy as np
import pytest
import sklearn.datasets
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import data

SETTINGS = settings(max_examples=40, deadline=None)


@pytest.mark.parametrize(
    ("loader", "sklearn_loader", "relabel"),
    [
        (
            data.load_regression,
            lambda: sklearn.datasets.load_diabetes(return_X_y=True, scaled=False),
            None,
        ),
        (data.load_binary, lambda: sklearn.datasets.load_breast_cancer(return_X_y=True), "flip"),
        (data.load_multiclass, lambda: sklearn.datasets.load_digits(return_X_y=True), None),
    ],
    ids=["regression", "binary", "multiclass"],
)
def test_loaders_are_scikit_learns_data_transposed(loader, sklearn_loader, relabel):
    X_ref, y_ref = sklearn_loader()
    if relabel == "flip":  # scikit-learn's 0 is malignant; the package's positive class is
        y_ref = np.where(y_ref == 0, 1, 0)
    X, Y = loader()
    np.testing.assert_array_equal(X, X_ref.T)
    np.testing.assert_array_equal(Y, y_ref[np.newaxis, :])
    X32, _ = loader(np.float32)
    assert X32.dtype == np.float32
    np.testing.assert_array_equal(X32, X_ref.T.astype(np.float32))


def test_malignant_is_the_positive_class():
    bunch = sklearn.datasets.load_breast_cancer()
    malignant = list(bunch.target_names).index("malignant")
    _, Y = data.load_binary()
    np.testing.assert_array_equal(Y[0] == 1, bunch.target == malignant)


def test_dataset_astype_converts_x_and_float_y_only():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 10))
    parts = (
        X,
        rng.standard_normal((1, 10)),
        X[:, :2],
        np.arange(2)[None],
        X[:, :1],
        np.ones((1, 1)),
    )
    converted = data.Dataset(*parts).astype(np.float32)
    got = (
        converted.X_train,
        converted.Y_train,
        converted.X_val,
        converted.Y_val,
        converted.X_test,
        converted.Y_test,
    )
    expected_dtypes = [np.float32, np.float32, np.float32, parts[3].dtype, np.float32, np.float32]
    for g, p, dtype in zip(got, parts, expected_dtypes):
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, p.astype(dtype))


@given(
    m=st.integers(3, 200),
    val=st.floats(0, 0.45),
    test=st.floats(0, 0.45),
    seed=st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_split_takes_the_stated_proportions_in_the_generators_order(m, val, test, seed):
    n_test, n_val = round(test * m), round(val * m)
    if n_test + n_val >= m:
        return
    X = np.arange(2 * m, dtype=float).reshape(2, m)
    Y = np.arange(m)[np.newaxis]
    d = data.train_val_test_split(X, Y, np.random.default_rng(seed), val, test)
    # The same generator's permutation, cut test | validation | training.
    order = np.random.default_rng(seed).permutation(m)
    np.testing.assert_array_equal(d.Y_test[0], order[:n_test])
    np.testing.assert_array_equal(d.Y_val[0], order[n_test : n_test + n_val])
    np.testing.assert_array_equal(d.Y_train[0], order[n_test + n_val :])
    for Xs, Ys in ((d.X_train, d.Y_train), (d.X_val, d.Y_val), (d.X_test, d.Y_test)):
        np.testing.assert_array_equal(Xs, X[:, Ys[0]])
    assert abs(d.X_test.shape[1] - test * m) <= 0.5 and abs(d.X_val.shape[1] - val * m) <= 0.5


@given(
    m=st.integers(1, 30),
    extra=st.integers(0, 3),
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from(["flat", "row"]),
)
@SETTINGS
def test_one_hot_matches_torch(m, extra, seed, shape):
    rng = np.random.default_rng(seed)
    k = 1 + int(rng.integers(0, 6))
    y = rng.integers(0, k, m)
    n_classes = int(y.max()) + 1 + extra
    labels = y if shape == "flat" else y[np.newaxis]
    expected = torch.nn.functional.one_hot(torch.from_numpy(y), n_classes).numpy().T
    np.testing.assert_array_equal(data.one_hot(labels, n_classes), expected)
    np.testing.assert_array_equal(
        data.one_hot(labels), torch.nn.functional.one_hot(torch.from_numpy(y)).numpy().T
    )
    assert data.one_hot(labels, n_classes, dtype=np.float32).dtype == np.float32


@given(m=st.integers(1, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 2**32 - 1))
@SETTINGS
def test_minibatches_cut_the_generators_permutation_in_order(m, batch_size, seed):
    X = np.arange(3 * m, dtype=float).reshape(3, m)
    Y = np.arange(m)[np.newaxis]
    batches = list(data.minibatches(X, Y, batch_size, np.random.default_rng(seed)))
    order = np.random.default_rng(seed).permutation(m)
    expected = [order[i : i + batch_size] for i in range(0, m, batch_size)]
    assert len(batches) == len(expected)
    for (Xb, Yb), idx in zip(batches, expected):
        np.testing.assert_array_equal(Yb[0], idx)
        np.testing.assert_array_equal(Xb, X[:, idx])
    # every example exactly once per epoch
    assert sorted(np.concatenate([Yb[0] for _, Yb in batches]).tolist()) == list(range(m))


def test_minibatches_shuffle_differently_every_epoch_and_none_is_one_batch():
    m = 50
    X, Y = np.zeros((1, m)), np.arange(m)[np.newaxis]
    rng = np.random.default_rng(4)
    epochs = [np.concatenate([Yb[0] for _, Yb in data.minibatches(X, Y, 7, rng)]) for _ in range(3)]
    reference = np.random.default_rng(4)
    for epoch in epochs:
        np.testing.assert_array_equal(epoch, reference.permutation(m))
    assert not np.array_equal(epochs[0], epochs[1])
    (only,) = list(data.minibatches(X, Y, None, np.random.default_rng(5)))
    np.testing.assert_array_equal(only[1][0], np.random.default_rng(5).permutation(m))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_constant_feature_is_left_at_zero_like_scikit_learn(dtype):
    """A feature equal to one value in every training example carries no information: it is
    mapped to 0 (the docstring's promise), as scikit-learn's StandardScaler maps it.

    The mean of m copies of a value such as 0.1 need not round back to that value, so its
    computed standard deviation is a rounding residue (1e-17 in float64) rather than 0; the
    feature must still count as constant, and a test example must not be divided by it.
    """
    from sklearn.preprocessing import StandardScaler

    tol = 1e-9 if dtype == np.float64 else 1e-4
    for value in (0.1, 0.3, 2.7, 1e5 + 0.1):
        for m in (10, 37, 1000):
            rng = np.random.default_rng(m)
            X_train = np.vstack([rng.standard_normal(m), np.full(m, value)]).astype(dtype)
            X_test = np.vstack([rng.standard_normal(5), value + np.arange(5) / 10]).astype(dtype)
            ours = data.Standardiser().fit(X_train)
            theirs = StandardScaler().fit(X_train.T.astype(np.float64))
            where = f"constant {value} over m = {m}"
            np.testing.assert_allclose(ours.transform(X_train)[1], 0.0, atol=1e-6, err_msg=where)
            for X in (X_train, X_test):
                expected = theirs.transform(X.T.astype(np.float64)).T
                np.testing.assert_allclose(
                    ours.transform(X), expected, rtol=tol, atol=tol, err_msg=where
                )
