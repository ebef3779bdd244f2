"""Every loss function on its own against torch (values, and gradients by autograd), and the
costs of linear and logistic regression against scikit-learn."""

import numpy as np
import pytest
import scipy.special
import sklearn.metrics
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import linear, losses

SETTINGS = settings(max_examples=40, deadline=None)
F = torch.nn.functional
seeds = st.integers(0, 2**32 - 1)
dims = st.tuples(st.integers(1, 5), st.integers(1, 8))


@given(shape=dims, seed=seeds, scale=st.sampled_from([0.5, 5.0, 300.0]))
@SETTINGS
def test_softplus_and_logsumexp_match_torch(shape, seed, scale):
    Z = scale * np.random.default_rng(seed).standard_normal(shape)
    Zt = torch.from_numpy(Z)
    expected = torch.logaddexp(torch.zeros_like(Zt), Zt).numpy()  # log(1 + e^z), stable
    got = losses.softplus(Z)  # computed with numpy raising on underflow, as in every test here
    with np.errstate(under="ignore"):  # comparing values near 1e-260 underflows in the check
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    np.testing.assert_allclose(
        losses.logsumexp(Z), torch.logsumexp(Zt, dim=0, keepdim=True).numpy(), rtol=1e-13
    )


def torch_cost(name, Z, Y):
    """The cost J(Z) of each loss, written with torch, and ∂J/∂Z by autograd."""
    Zt = torch.tensor(Z, requires_grad=True)
    Yt = torch.from_numpy(Y)
    m = Z.shape[1]
    if name == "mse":
        J = F.mse_loss(Zt, Yt, reduction="sum") / (2 * m)
    elif name == "bce":
        J = F.binary_cross_entropy_with_logits(Zt, Yt, reduction="sum") / m
    else:  # torch: one example per row; targets as class probabilities
        J = F.cross_entropy(Zt.T, Yt.T, reduction="sum") / m
    J.backward()
    return J.item(), Zt.grad.numpy()


def targets(name, shape, rng, soft=False):
    if name == "mse":
        return 3 * rng.standard_normal(shape)
    if name == "bce":
        return rng.random(shape) if soft else rng.integers(0, 2, shape).astype(float)
    if soft:
        return scipy.special.softmax(rng.standard_normal(shape), axis=0)
    Y = np.zeros(shape)
    Y[rng.integers(0, shape[0], shape[1]), np.arange(shape[1])] = 1
    return Y


FUNCTIONS = {
    "mse": (losses.mean_squared_error, losses.mean_squared_error_gradient, losses.MeanSquaredError),
    "bce": (
        losses.binary_cross_entropy,
        losses.binary_cross_entropy_gradient,
        losses.BinaryCrossEntropy,
    ),
    "cce": (
        losses.categorical_cross_entropy,
        losses.categorical_cross_entropy_gradient,
        losses.CategoricalCrossEntropy,
    ),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@given(shape=dims, seed=seeds, scale=st.sampled_from([0.5, 3.0, 30.0]), soft=st.booleans())
@SETTINGS
def test_cost_and_gradient_functions_match_torch(name, shape, seed, scale, soft):
    rng = np.random.default_rng(seed)
    Z = scale * rng.standard_normal(shape)
    Y = targets(name, shape, rng, soft)
    cost, gradient, cls = FUNCTIONS[name]
    J, dJ_dZ = torch_cost(name, Z, Y)
    m = shape[1]
    assert cost(Z, Y) == pytest.approx(J, rel=1e-12, abs=1e-13)
    # the gradient is per example: ∂J/∂Z = dZ / m
    np.testing.assert_allclose(gradient(Z, Y) / m, dJ_dZ, rtol=1e-10, atol=1e-15)
    if scale < 30:  # beyond, σ(z) − y and softmax − y round to 0: nothing left to difference
        Zc = Z.copy()
        assert rel_error(gradient(Z, Y) / m, numerical_gradient(lambda: cost(Zc, Y), Zc)) < 1e-6
    loss = cls()
    assert loss.cost(Z, Y) == pytest.approx(J, rel=1e-12, abs=1e-13)
    np.testing.assert_allclose(loss.gradient(Z, Y) / m, dJ_dZ, rtol=1e-10, atol=1e-15)


@given(shape=dims, seed=seeds)
@SETTINGS
def test_loss_outputs_and_predictions_match_torch(shape, seed):
    Z = 4 * np.random.default_rng(seed).standard_normal(shape)
    Zt = torch.from_numpy(Z)
    mse, bce, cce = (
        losses.MeanSquaredError(),
        losses.BinaryCrossEntropy(),
        losses.CategoricalCrossEntropy(),
    )
    np.testing.assert_array_equal(mse.output(Z), Z)
    np.testing.assert_array_equal(mse.predict(Z), Z)  # Loss.predict: the output itself
    np.testing.assert_allclose(bce.output(Z), torch.sigmoid(Zt).numpy(), rtol=1e-13)
    np.testing.assert_array_equal(bce.predict(Z), (torch.sigmoid(Zt) >= 0.5).numpy().astype(int))
    np.testing.assert_allclose(cce.output(Z), torch.softmax(Zt, dim=0).numpy(), rtol=1e-12)
    np.testing.assert_array_equal(cce.predict(Z), torch.argmax(Zt, dim=0).numpy()[np.newaxis])


@given(n=st.integers(1, 5), m=st.integers(2, 30), seed=seeds)
@SETTINGS
def test_regression_costs_match_scikit_learn(n, m, seed):
    rng = np.random.default_rng(seed)
    W, b, X = rng.standard_normal((1, n)), rng.standard_normal((1, 1)), rng.standard_normal((n, m))
    y = rng.standard_normal(m)
    y_hat = (X.T @ W[0]) + b[0, 0]  # computed in scikit-learn's layout, rows as examples
    expected = sklearn.metrics.mean_squared_error(y, y_hat) / 2
    assert linear.linear_cost(W, b, X, y[np.newaxis]) == pytest.approx(expected, rel=1e-12)
    labels = rng.integers(0, 2, m)
    labels[:2] = [0, 1]  # both classes present
    p = scipy.special.expit(y_hat)
    expected = sklearn.metrics.log_loss(labels, p, labels=[0, 1])
    cost = linear.logistic_cost(W, b, X, labels[np.newaxis].astype(float))
    assert cost == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(linear.logistic_forward(W, b, X)[0], p, rtol=1e-13)
    np.testing.assert_allclose(linear.linear_forward(W, b, X)[0], y_hat, rtol=1e-13)
