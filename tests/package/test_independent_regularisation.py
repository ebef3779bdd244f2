"""Regularisers, dropout statistics, early stopping, the package's gradient checker and the
adding problem, each against an independent reference (torch, scipy, or the definition
written out here)."""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import gradcheck
from ddl import regularisation as reg
from ddl.layers import Dense
from ddl.losses import MeanSquaredError
from ddl.network import Network
from ddl.sequences import adding_problem

SETTINGS = settings(max_examples=40, deadline=None)


@pytest.mark.parametrize("kind", ["L1", "L2"])
@given(
    shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=3),
    lambd=st.one_of(st.just(0.0), st.floats(1e-3, 5)),
    m=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_penalty_classes_match_torch(kind, shapes, lambd, m, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(s) for s in shapes]
    weights = [np.where(np.abs(W) < 1e-3, 0.1, W) for W in weights]  # |w| is smooth there
    regulariser = reg.L1(lambd) if kind == "L1" else reg.L2(lambd)
    Wt = [torch.tensor(W, requires_grad=True) for W in weights]
    if kind == "L1":
        value = lambd / m * sum(W.abs().sum() for W in Wt)
    else:
        value = lambd / (2 * m) * sum((W**2).sum() for W in Wt)
    assert regulariser.penalty(weights, m) == pytest.approx(value.item(), rel=1e-12, abs=1e-300)
    if lambd > 0:
        value.backward()
        for W, t in zip(weights, Wt):
            np.testing.assert_allclose(regulariser.gradient(W, m), t.grad.numpy(), rtol=1e-12)
    else:
        for W in weights:
            np.testing.assert_array_equal(regulariser.gradient(W, m), 0.0)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8, 0.95])
def test_dropout_keeps_a_binomial_number_of_units_independently(keep_prob):
    rng = np.random.default_rng(0)
    layer = reg.Dropout(keep_prob, rng)
    A_prev = np.ones((40, 500))
    masks = [layer.forward(A_prev, training=True) for _ in range(4)]
    for A in masks:
        kept = A > 0
        assert scipy.stats.binomtest(int(kept.sum()), kept.size, keep_prob).pvalue > 1e-3
        np.testing.assert_allclose(A[kept], 1 / keep_prob)  # survivors scaled by 1 / keep_prob
        # expectation unchanged: the mean of A is 1 within 5 standard errors
        assert abs(A.mean() - 1) < 5 * math.sqrt((1 - keep_prob) / keep_prob / A.size)
    # a fresh mask every pass: two masks agree on a fraction p² + (1 − p)² of the units
    agree = np.mean((masks[0] > 0) == (masks[1] > 0))
    expected = keep_prob**2 + (1 - keep_prob) ** 2
    assert abs(agree - expected) < 5 * math.sqrt(expected * (1 - expected) / A_prev.size)


def early_stopping_by_definition(losses, patience, min_delta):
    """(epoch at which training stops or None, best epoch), from the definition."""
    best, best_epoch, waited = math.inf, None, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
        if waited >= patience:
            return epoch, best_epoch
    return None, best_epoch


@given(
    losses=st.lists(st.integers(0, 8).map(lambda k: k / 4), min_size=1, max_size=25),
    patience=st.integers(1, 5),
    min_delta=st.sampled_from([0.0, 0.25, 0.5]),
)
@SETTINGS
def test_early_stopping_follows_its_definition(losses, patience, min_delta):
    stopper = reg.EarlyStopping(patience, min_delta)
    params = [np.zeros(2)]
    stopped = None
    for epoch, loss in enumerate(losses):
        params[0][...] = epoch
        if stopper.update(loss, params):
            stopped = epoch
            break
    expected_stop, expected_best = early_stopping_by_definition(losses, patience, min_delta)
    assert stopped == expected_stop
    assert stopper.best_epoch == expected_best
    params[0][...] = -1
    stopper.restore(params)
    np.testing.assert_array_equal(params[0], expected_best)


# ---------------------------------------------------------------- the package's own checker


def with_wrong_backward(layer, dW_factor=1.0, dA_factor=1.0):
    """Make ``layer.backward`` scale its dW and its dA_prev: a known mistake."""
    correct = layer.backward

    def backward(dA):
        dA_prev = correct(dA)
        layer.grads["W"] *= dW_factor
        return dA_factor * dA_prev

    layer.backward = backward
    return layer


def test_check_layer_reports_the_relative_error_of_a_known_mistake():
    # ‖k g − g‖ / (‖k g‖ + ‖g‖) = (k − 1) / (k + 1), whatever g is.
    rng = np.random.default_rng(0)
    layer = with_wrong_backward(Dense(4, 3, "tanh", "xavier", rng), dW_factor=2.0, dA_factor=3.0)
    layer.params["b"][...] = rng.standard_normal((3, 1))
    errors = gradcheck.check_layer(layer, rng.standard_normal((4, 6)), np.random.default_rng(1))
    assert errors["W"] == pytest.approx(1 / 3, rel=1e-6)
    assert errors["A_prev"] == pytest.approx(2 / 4, rel=1e-6)
    assert errors["b"] < 1e-8


def test_check_network_reports_the_error_of_the_whole_gradient_vector():
    rng = np.random.default_rng(2)
    first = Dense(3, 4, "tanh", "xavier", rng)
    second = Dense(4, 2, "identity", "xavier", rng)
    for layer in (first, second):
        layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    # The true gradients, from torch autograd.
    P = [
        torch.tensor(p, requires_grad=True)
        for p in (first.params["W"], first.params["b"], second.params["W"], second.params["b"])
    ]
    Z = P[2] @ torch.tanh(P[0] @ torch.from_numpy(X) + P[1]) + P[3]
    (((Z - torch.from_numpy(Y)) ** 2).sum() / (2 * 5)).backward()
    true = [p.grad.numpy().ravel() for p in P]
    wrong = [2 * true[0], *true[1:]]  # the first layer's dW doubled
    a, b = np.concatenate(wrong), np.concatenate(true)
    expected = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))

    net = Network([with_wrong_backward(first, dW_factor=2.0), second])
    assert gradcheck.check_network(net, MeanSquaredError(), X, Y) == pytest.approx(
        expected, rel=1e-6
    )
    per_parameter = gradcheck.check_network(net, MeanSquaredError(), X, Y, per_parameter=True)
    assert per_parameter[0] == pytest.approx(1 / 3, rel=1e-6)
    assert max(per_parameter[1:]) < 1e-8


# ---------------------------------------------------------------- the adding problem


def test_adding_problem_draws_follow_its_definition():
    T, m = 20, 20_000
    X, Y = adding_problem(T, m, np.random.default_rng(5))
    values, markers = X[:, 0, :], X[:, 1, :]
    # values uniform on [0, 1)
    assert scipy.stats.kstest(values.ravel()[:50_000], scipy.stats.uniform.cdf).pvalue > 1e-3
    # one marker uniform over the first T // 10 steps, the other over the rest of the first half
    positions = np.sort(np.argwhere(markers.T == 1)[:, 1].reshape(m, 2), axis=1)
    first, second = positions[:, 0], positions[:, 1]
    early, half = T // 10, T // 2
    assert first.min() == 0 and first.max() == early - 1
    assert second.min() == early and second.max() == half - 1
    for pos, low, high in ((first, 0, early), (second, early, half)):
        counts = np.bincount(pos - low, minlength=high - low)
        assert scipy.stats.chisquare(counts).pvalue > 1e-3
    np.testing.assert_array_equal(Y[0], values[first, np.arange(m)] + values[second, np.arange(m)])
    # the sum of two independent U(0, 1): mean 1, variance 1/6
    assert abs(Y.mean() - 1) < 5 * math.sqrt(1 / 6 / m)
    assert abs(Y.var() - 1 / 6) < 0.01
