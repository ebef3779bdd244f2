"""Pieces of the training machinery against independent references: the
standardiser against scikit-learn, gradient clipping in ``train_on_generated``
and the L1 penalty inside ``train_step`` against torch autograd, and
``EarlyStopping``'s ``min_delta`` against its stated rule."""

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler

from ddl.data import Standardiser
from ddl.layers import Dense
from ddl.losses import MeanSquaredError
from ddl.network import Network
from ddl.optimisers import GradientDescent
from ddl.regularisation import L1, EarlyStopping
from ddl.sequences import train_on_generated
from ddl.training import train_step

# ---------------------------------------------------------------- Standardiser


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_standardiser_matches_sklearn_standard_scaler(dtype):
    rng = np.random.default_rng(0)
    # ddl: features are rows, examples columns; scikit-learn: the transpose.
    X_train = rng.standard_normal((5, 40)) * [[1], [10], [0.1], [3], [1]] + [
        [0],
        [5],
        [-2],
        [1],
        [0],
    ]
    X_train[4] = 2.5  # a constant feature
    X_train = X_train.astype(dtype)
    X_test = rng.standard_normal((5, 7)).astype(dtype)
    ours = Standardiser().fit(X_train)
    theirs = StandardScaler().fit(X_train.T.astype(np.float64))
    tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-5}
    np.testing.assert_allclose(ours.mean[:, 0], theirs.mean_, **tol)
    np.testing.assert_allclose(ours.std[:, 0], theirs.scale_, **tol)  # 1 for the constant one
    for X in (X_train, X_test):
        Z = ours.transform(X)
        assert Z.dtype == dtype
        np.testing.assert_allclose(Z, theirs.transform(X.T.astype(np.float64)).T, **tol)
        np.testing.assert_allclose(
            ours.inverse_transform(Z), theirs.inverse_transform(Z.T.astype(np.float64)).T, **tol
        )
    np.testing.assert_array_equal(ours.transform(X_train)[4], 0.0)


# ---------------------------------------------------------------- a small network and torch

N_IN, N_HIDDEN, M = 3, 4, 6


def small_network(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    layers = [
        Dense(N_IN, N_HIDDEN, "tanh", "xavier", rng),
        Dense(N_HIDDEN, 1, "identity", "xavier", rng),
    ]
    for layer in layers:
        layer.params["W"][...] = scale * rng.standard_normal(layer.params["W"].shape)
        layer.params["b"][...] = scale * rng.standard_normal(layer.params["b"].shape)
    X = rng.standard_normal((N_IN, M))
    Y = 3 * rng.standard_normal((1, M))
    return Network(layers), X, Y


def torch_cost_and_gradients(params, X, Y, l1=0.0):
    """(1/2m) Σ (ŷ − y)² (+ λ/m Σ|W| over the weights), and its gradients by autograd."""
    W1, b1, W2, b2 = [torch.tensor(p, requires_grad=True) for p in params]
    Y_hat = W2 @ torch.tanh(W1 @ torch.from_numpy(X) + b1) + b2
    cost = ((Y_hat - torch.from_numpy(Y)) ** 2).sum() / (2 * M)
    cost = cost + l1 / M * (W1.abs().sum() + W2.abs().sum())
    cost.backward()
    return cost.item(), [t.grad.numpy() for t in (W1, b1, W2, b2)]


# ---------------------------------------------------------------- clipping in train_on_generated


@pytest.mark.parametrize("max_norm", [0.5, 1e6, None])
def test_train_on_generated_clips_the_global_norm_of_the_step(max_norm):
    net, X, Y = small_network(1)
    before = [p.copy() for p in net.parameters()]
    cost, grads = torch_cost_and_gradients(before, X, Y)
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    assert norm > 1.0  # so max_norm = 0.5 clips, and 1e6 does not
    # g · max_norm / ‖g‖ when ‖g‖ > max_norm (torch.nn.utils.clip_grad_norm_ divides
    # by ‖g‖ + 1e-6 instead, a relative difference of ~1e-7 here).
    factor = 1.0 if max_norm is None or norm <= max_norm else max_norm / norm
    expected_step = [factor * g for g in grads]

    costs = train_on_generated(
        net, MeanSquaredError(), GradientDescent(1.0), lambda: (X, Y), 1, max_norm=max_norm
    )
    assert costs[0] == pytest.approx(cost, rel=1e-12)
    step = [b - p for b, p in zip(before, net.parameters())]  # α = 1: the step is the gradient
    for s, e in zip(step, expected_step):
        np.testing.assert_allclose(s, e, rtol=1e-9, atol=1e-12)
    step_norm = np.sqrt(sum(np.sum(s * s) for s in step))
    assert step_norm == pytest.approx(max_norm if max_norm == 0.5 else norm, rel=1e-9)


# ---------------------------------------------------------------- L1 inside train_step


@pytest.mark.parametrize("lambd", [0.0, 0.3, 2.0])
def test_train_step_adds_the_l1_penalty_and_its_gradient(lambd):
    net, X, Y = small_network(2)
    before = [p.copy() for p in net.parameters()]
    assert np.all(np.abs(before[0]) > 1e-3) and np.all(np.abs(before[2]) > 1e-3)  # |w| smooth
    expected_cost, grads = torch_cost_and_gradients(before, X, Y, l1=lambd)
    alpha = 0.1
    cost = train_step(net, MeanSquaredError(), GradientDescent(alpha), X, Y, L1(lambd))
    assert cost == pytest.approx(expected_cost, rel=1e-12)
    for p, b, g in zip(net.parameters(), before, grads):  # biases are not penalised
        np.testing.assert_allclose(p, b - alpha * g, rtol=1e-12, atol=1e-14)


def test_l1_changes_the_step_by_lambda_over_m_sign_w():
    # The difference a regulariser makes, written from its definition.
    lambd, alpha = 0.7, 0.1
    steps = []
    for regulariser in (None, L1(lambd)):
        net, X, Y = small_network(3)
        before = [p.copy() for p in net.parameters()]
        train_step(net, MeanSquaredError(), GradientDescent(alpha), X, Y, regulariser)
        steps.append([b - p for b, p in zip(before, net.parameters())])
    for i, (plain, penalised) in enumerate(zip(*steps)):
        extra = alpha * lambd / M * np.sign(before[i]) if i % 2 == 0 else 0.0
        np.testing.assert_allclose(penalised - plain, extra, rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------- EarlyStopping(min_delta)


def test_an_improvement_smaller_than_min_delta_does_not_reset_patience():
    losses = [2.0, 1.875, 1.75]  # each 0.125 better than the last
    stopper = EarlyStopping(patience=2, min_delta=0.25)
    params = [np.zeros(2)]
    history = []
    for epoch, loss in enumerate(losses):
        params[0][...] = epoch
        history.append(stopper.update(loss, params))
    # Neither 1.875 nor 1.75 falls below the best (2.0) by more than 0.25.
    assert history == [False, False, True]
    assert stopper.best_loss == 2.0 and stopper.best_epoch == 0 and stopper.bad_epochs == 2
    stopper.restore(params)
    np.testing.assert_array_equal(params[0], [0.0, 0.0])
    # Without min_delta every one of them is an improvement and training goes on.
    stopper = EarlyStopping(patience=2)
    assert [stopper.update(loss, params) for loss in losses] == [False, False, False]
    assert stopper.best_loss == 1.75 and stopper.best_epoch == 2


def test_min_delta_compares_with_the_best_not_the_last_loss():
    stopper = EarlyStopping(patience=5, min_delta=0.25)
    params = [np.zeros(1)]
    for epoch, loss in enumerate([2.0, 1.875, 1.75]):
        params[0][...] = epoch
        assert not stopper.update(loss, params)
    assert stopper.bad_epochs == 2 and stopper.best_epoch == 0
    # 1.625 beats the previous epoch by only 0.125 but the best (2.0) by 0.375.
    params[0][...] = 3
    assert not stopper.update(1.625, params)
    assert stopper.best_loss == 1.625 and stopper.best_epoch == 3 and stopper.bad_epochs == 0
    params[0][...] = 99
    stopper.restore(params)
    assert params[0][0] == 3


def test_exactly_min_delta_is_not_an_improvement():
    # "by more than min_delta": 2.0 − 0.25 = 1.75 exactly is not enough.
    stopper = EarlyStopping(patience=1, min_delta=0.25)
    assert not stopper.update(2.0, [np.zeros(1)])
    assert stopper.update(1.75, [np.zeros(1)])
    assert stopper.best_loss == 2.0
    stopper = EarlyStopping(patience=1, min_delta=0.25)
    stopper.update(2.0, [np.zeros(1)])
    assert not stopper.update(1.625, [np.zeros(1)])
    assert stopper.best_loss == 1.625 and stopper.best_epoch == 1 and stopper.bad_epochs == 0
