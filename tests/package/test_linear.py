"""Linear and logistic regression against scikit-learn, and their gradients."""

import numpy as np
import pytest
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from ddl import data, linear
from ddl.metrics import f1_score


@pytest.mark.parametrize("model", ["linear", "logistic"])
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), m=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_gradients_match_central_differences(model, n, m, seed):
    rng = np.random.default_rng(seed)
    X, W, b = rng.standard_normal((n, m)), rng.standard_normal((1, n)), rng.standard_normal((1, 1))
    if model == "linear":
        Y, forward, cost = rng.standard_normal((1, m)), linear.linear_forward, linear.linear_cost
    else:
        Y = rng.integers(0, 2, (1, m)).astype(float)
        forward, cost = linear.logistic_forward, linear.logistic_cost
    dW, db = linear.gradients(forward(W, b, X), Y, X)
    assert rel_error(dW, numerical_gradient(lambda: cost(W, b, X, Y), W)) < 1e-6
    assert rel_error(db, numerical_gradient(lambda: cost(W, b, X, Y), b)) < 1e-6


def test_linear_regression_converges_to_least_squares_on_diabetes():
    X, Y = data.load_regression()
    X = data.Standardiser().fit_transform(X)
    # Largest eigenvalue of (1/m) X Xᵀ is about 4, so α must stay below 2/4.
    model = linear.LinearRegression(learning_rate=0.4, n_iterations=20000)
    model.fit(X, Y, np.random.default_rng(0))
    reference = SkLinearRegression().fit(X.T, Y[0])
    np.testing.assert_allclose(model.W[0], reference.coef_, rtol=1e-6, atol=1e-6)
    assert model.b[0, 0] == pytest.approx(reference.intercept_, rel=1e-9)
    assert np.all(np.diff(model.costs) <= 1e-9)  # gradient descent never goes uphill here
    assert model.predict(X).shape == (1, 442)


def test_logistic_regression_converges_to_maximum_likelihood():
    # A well-conditioned, non-separable set drawn from a known logistic model.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 2000))
    w_true = np.array([[0.5, -1.3, -1.1, -0.4, 1.7]])
    Y = (rng.random((1, 2000)) < 1 / (1 + np.exp(-(w_true @ X + 0.3)))).astype(float)
    model = linear.LogisticRegression(learning_rate=1.0, n_iterations=3000).fit(X, Y, rng)
    reference = SkLogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X.T, Y[0])
    np.testing.assert_allclose(model.W[0], reference.coef_[0], rtol=1e-6)
    assert model.b[0, 0] == pytest.approx(reference.intercept_[0], rel=1e-6)
    np.testing.assert_allclose(
        model.predict_proba(X)[0], reference.predict_proba(X.T)[:, 1], rtol=1e-6
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_logistic_regression_on_breast_cancer_beats_the_original_f1(seed):
    rng = np.random.default_rng(seed)
    X, Y = data.load_binary()
    d, _ = data.standardise(data.train_val_test_split(X, Y, rng))
    model = linear.LogisticRegression(learning_rate=0.1, n_iterations=2000)
    model.fit(d.X_train, d.Y_train, rng)
    assert f1_score(d.Y_test, model.predict(d.X_test)) >= 0.919  # the original's 0.919
    assert all(np.isfinite(model.costs))


def test_shapes_are_checked():
    model = linear.LinearRegression()
    with pytest.raises(ValueError, match=r"Y: expected shape \(1, 5\), got \(5,\)"):
        model.fit(np.zeros((2, 5)), np.zeros(5), np.random.default_rng(0))
    model.fit(np.zeros((2, 5)), np.zeros((1, 5)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="X: expected 2 features"):
        model.predict(np.zeros((3, 5)))


@settings(max_examples=30, deadline=None)
@given(
    k=st.integers(2, 4), n=st.integers(1, 5), m=st.integers(1, 12), seed=st.integers(0, 2**32 - 1)
)
def test_gradients_hold_row_by_row_for_several_outputs(k, n, m, seed):
    # linear_forward and linear_cost accept k output rows (W (k, n), b (k, 1), Y (k, m)) and the
    # cost sums the rows, so the gradients are the matrix formula with one bias entry per row.
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((n, m)), rng.standard_normal((k, m))
    W, b = rng.standard_normal((k, n)), rng.standard_normal((k, 1))
    dW, db = linear.gradients(linear.linear_forward(W, b, X), Y, X)
    assert dW.shape == (k, n) and db.shape == (k, 1)
    assert rel_error(dW, numerical_gradient(lambda: linear.linear_cost(W, b, X, Y), W)) < 1e-6
    assert rel_error(db, numerical_gradient(lambda: linear.linear_cost(W, b, X, Y), b)) < 1e-6


MODELS = [linear.LinearRegression, linear.LogisticRegression]


@pytest.mark.parametrize("Model", MODELS)
def test_defaults_are_a_learning_rate_of_0_1_for_1000_iterations(Model):
    # The documented defaults, checked against gradient descent written out here from
    # eq-gd-update with α = 0.1 and 1000 steps, from the same starting weights.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 40))
    Y = X[:1] - 0.5 * X[2:] + 0.1 * rng.standard_normal((1, 40))
    if Model is linear.LogisticRegression:
        Y = (Y > 0).astype(float)
    model = Model().fit(X, Y, np.random.default_rng(4))
    W, b = 0.01 * np.random.default_rng(4).standard_normal((1, 3)), np.zeros((1, 1))
    for _ in range(1000):
        Z = W @ X + b
        Y_hat = Z if Model is linear.LinearRegression else 1 / (1 + np.exp(-Z))
        W = W - 0.1 * (Y_hat - Y) @ X.T / 40
        b = b - 0.1 * np.mean(Y_hat - Y, keepdims=True)
    assert len(model.costs) == 1000
    np.testing.assert_allclose(model.W, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("Model", MODELS)
def test_an_unfitted_model_has_no_weights_and_an_empty_cost_history(Model):
    model = Model(learning_rate=0.5, n_iterations=7)
    assert model.W is None and model.b is None
    assert model.costs == []
    assert (model.learning_rate, model.n_iterations) == (0.5, 7)


@pytest.mark.parametrize("Model", MODELS)
def test_zero_iterations_is_allowed_and_keeps_the_starting_weights(Model):
    X, Y = np.ones((2, 3)), np.ones((1, 3))
    model = Model(n_iterations=0).fit(X, Y, np.random.default_rng(0))
    assert model.costs == []
    np.testing.assert_array_equal(model.W, 0.01 * np.random.default_rng(0).standard_normal((1, 2)))
    np.testing.assert_array_equal(model.b, [[0.0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"learning_rate": 0}, "learning_rate: expected a positive number, got 0."),
        ({"learning_rate": 0.0}, "learning_rate: expected a positive number, got 0.0."),
        ({"learning_rate": -0.1}, "learning_rate: expected a positive number, got -0.1."),
        ({"learning_rate": "0.1"}, "learning_rate: expected a positive number, got '0.1'."),
        ({"n_iterations": -1}, "n_iterations: expected a non-negative integer, got -1."),
        ({"n_iterations": 2.5}, "n_iterations: expected a non-negative integer, got 2.5."),
        ({"n_iterations": True}, "n_iterations: expected a non-negative integer, got True."),
        ({"n_iterations": "10"}, "n_iterations: expected a non-negative integer, got '10'."),
    ],
)
@pytest.mark.parametrize("Model", MODELS)
def test_bad_hyperparameters_are_refused_by_name(Model, kwargs, message):
    with pytest.raises(ValueError) as excinfo:
        Model(**kwargs)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("X", "Y", "message"),
    [
        (np.zeros(5), np.zeros((1, 5)), "X: expected a 2-D array (n_features, m), got (5,)."),
        (np.zeros((1, 2, 5)), None, "X: expected a 2-D array (n_features, m), got (1, 2, 5)."),
        ([[0.0] * 5] * 2, None, "X: expected a 2-D array (n_features, m), got list."),
        (np.zeros((2, 5)), np.zeros((1, 4)), "Y: expected shape (1, 5), got (1, 4)."),
        (np.zeros((2, 5)), np.zeros((2, 5)), "Y: expected shape (1, 5), got (2, 5)."),
        (np.zeros((2, 5)), np.zeros(5), "Y: expected shape (1, 5), got (5,)."),
    ],
)
@pytest.mark.parametrize("Model", MODELS)
def test_fit_refuses_badly_shaped_data_with_the_shape_it_got(Model, X, Y, message):
    model = Model(n_iterations=1)
    with pytest.raises(ValueError) as excinfo:
        model.fit(X, np.zeros((1, 5)) if Y is None else Y, np.random.default_rng(0))
    assert str(excinfo.value) == message


@pytest.mark.parametrize("Model", MODELS)
def test_predict_refuses_data_with_another_number_of_features(Model):
    model = Model(n_iterations=1).fit(np.zeros((2, 5)), np.zeros((1, 5)), np.random.default_rng(0))
    with pytest.raises(ValueError) as excinfo:
        model.predict(np.zeros((3, 4)))
    assert str(excinfo.value) == "X: expected 2 features (rows), got 3."
    with pytest.raises(ValueError) as excinfo:
        model.predict(np.zeros(2))
    assert str(excinfo.value) == "X: expected a 2-D array (n_features, m), got (2,)."


def test_logistic_predict_labels_1_where_the_probability_is_at_least_one_half():
    model = linear.LogisticRegression()
    model.W, model.b = np.array([[1.0, -1.0]]), np.array([[0.0]])
    # Logits W X + b: exactly 0 (probability exactly 1/2), small and large of both signs.
    X = np.array([[2.0, 2.0, 0.5, 0.25, 0.0, 3.0, -1.0], [2.0, 2.5, 0.0, 0.0, 0.75, 0.5, 1.0]])
    logits = X[0] - X[1]
    probabilities = 1 / (1 + np.exp(-logits))
    labels = model.predict(X)
    np.testing.assert_array_equal(labels, [[1, 0, 1, 1, 0, 1, 0]])
    np.testing.assert_array_equal(labels[0], (probabilities >= 0.5).astype(int))
    # Integer labels, usable as indices (e.g. for counting with np.bincount).
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(labels[0], minlength=2), [3, 4])
