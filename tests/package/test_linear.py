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
