"""L1, L2, dropout and early stopping."""

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import regularisation as reg
from ddl.losses import BinaryCrossEntropy
from ddl.network import feed_forward
from ddl.optimisers import GradientDescent
from ddl.training import train_step

SETTINGS = settings(max_examples=30, deadline=None)
shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))


def test_penalties_by_hand():
    W1 = np.array([[1.0, -2.0], [0.5, 0.0]])
    W2 = np.array([[-3.0]])
    m, lambd = 4, 0.2
    assert reg.l1_penalty([W1, W2], lambd, m) == pytest.approx(0.2 / 4 * (1 + 2 + 0.5 + 0 + 3))
    assert reg.l2_penalty([W1, W2], lambd, m) == pytest.approx(0.2 / 8 * (1 + 4 + 0.25 + 0 + 9))
    np.testing.assert_allclose(reg.l1_gradient(W1, lambd, m), [[0.05, -0.05], [0.05, 0.0]])
    np.testing.assert_allclose(reg.l2_gradient(W1, lambd, m), [[0.05, -0.1], [0.025, 0.0]])


@pytest.mark.parametrize("kind", ["l1", "l2"])
@SETTINGS
@given(
    shape=shapes, seed=st.integers(0, 2**32 - 1), lambd=st.floats(0.01, 10), m=st.integers(1, 100)
)
def test_penalty_gradients_match_central_differences_and_torch(kind, shape, seed, lambd, m):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(shape)
    W = np.where(np.abs(W) < 1e-3, 0.1, W)  # |w| has no derivative at 0
    penalty, gradient = (
        (reg.l1_penalty, reg.l1_gradient) if kind == "l1" else (reg.l2_penalty, reg.l2_gradient)
    )
    analytic = gradient(W, lambd, m)
    Wc = W.copy()
    assert rel_error(analytic, numerical_gradient(lambda: penalty([Wc], lambd, m), Wc)) < 1e-6
    # torch: λ/m Σ|w| and λ/2m Σw², written from the definitions.
    Wt = torch.tensor(W, requires_grad=True)
    value = Wt.abs().sum() * lambd / m if kind == "l1" else (Wt**2).sum() * lambd / (2 * m)
    assert penalty([W], lambd, m) == pytest.approx(value.item(), rel=1e-12)
    value.backward()
    np.testing.assert_allclose(analytic, Wt.grad.numpy(), rtol=1e-12, atol=1e-15)


@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), keep_prob=st.floats(0.2, 1.0))
def test_dropout_backward_with_a_fixed_mask_matches_central_differences_and_torch(
    shape, seed, keep_prob
):
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal(shape)
    dA = rng.standard_normal(shape)  # J = Σ dA ⊙ dropout(A_prev)
    layer = reg.Dropout(keep_prob, np.random.default_rng(seed + 1))

    def J():
        # A generator re-created from the same seed before each pass draws the same mask.
        layer.rng = np.random.default_rng(seed + 1)
        return np.sum(dA * layer.forward(A_prev, training=True))

    numeric = numerical_gradient(J, A_prev)
    layer.rng = np.random.default_rng(seed + 1)
    A = layer.forward(A_prev, training=True)
    dA_prev = layer.backward(dA)
    assert rel_error(dA_prev, numeric) < 1e-6
    # The mask is D / keep_prob with D in {0, 1}, drawn as U < keep_prob from the
    # generator (all ones when keep_prob = 1, where the layer skips the draw).
    D = np.random.default_rng(seed + 1).random(shape) < keep_prob
    np.testing.assert_array_equal(A, A_prev * (D / keep_prob))
    At = torch.tensor(A_prev, requires_grad=True)
    (torch.from_numpy(dA) * (At * torch.from_numpy(D) / keep_prob)).sum().backward()
    np.testing.assert_allclose(dA_prev, At.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_inverted_dropout_scales_survivors_and_is_off_in_evaluation():
    rng = np.random.default_rng(0)
    layer = reg.Dropout(0.8, rng)
    A_prev = np.ones((50, 400))
    A = layer.forward(A_prev, training=True)
    assert set(np.unique(A)) == {0.0, 1 / 0.8}
    assert (A > 0).mean() == pytest.approx(0.8, abs=0.01)
    assert A.mean() == pytest.approx(1.0, abs=0.015)  # expectation unchanged
    np.testing.assert_array_equal(layer.backward(np.ones_like(A)), A)  # same mask
    assert layer.forward(A_prev, training=False) is A_prev
    assert layer.params == {} and layer.grads == {}


def test_dropout_keeps_float32():
    layer = reg.Dropout(0.5, np.random.default_rng(0))
    A = layer.forward(np.ones((3, 4), dtype=np.float32))
    assert A.dtype == np.float32 and layer.backward(A).dtype == np.float32


def test_regularised_step_penalises_weights_but_not_biases():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 8)), rng.integers(0, 2, (1, 8)).astype(float)
    loss, lambd, alpha = BinaryCrossEntropy(), 0.7, 0.1
    plain, penalised = (
        feed_forward([3, 4, 1], np.random.default_rng(2)),
        feed_forward([3, 4, 1], np.random.default_rng(2)),
    )
    train_step(plain, loss, GradientDescent(alpha), X, Y)
    cost = train_step(penalised, loss, GradientDescent(alpha), X, Y, reg.L2(lambd))
    start = feed_forward([3, 4, 1], np.random.default_rng(2))
    for l0, lp, lr in zip(start.layers, plain.layers, penalised.layers):
        # L2 adds (λ/m) W to dW, so the step shrinks W by a further α λ/m W.
        np.testing.assert_allclose(
            lr.params["W"], lp.params["W"] - alpha * lambd / 8 * l0.params["W"]
        )
        np.testing.assert_array_equal(lr.params["b"], lp.params["b"])
    J = loss.cost(start.forward(X), Y)
    assert cost == pytest.approx(
        J + reg.l2_penalty([l.params["W"] for l in start.layers], lambd, 8)
    )


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    stopper = reg.EarlyStopping(patience=2)
    p = [np.zeros(3)]
    losses = [3.0, 2.0, 2.5, 1.5, 1.6, 1.7, 0.1]
    stops = []
    for epoch, loss in enumerate(losses):
        p[0][...] = epoch
        stops.append(stopper.update(loss, p))
        if stops[-1]:
            break
    assert stops == [False, False, False, False, False, True]
    assert stopper.best_epoch == 3
    stopper.restore(p)
    np.testing.assert_array_equal(p[0], [3.0, 3.0, 3.0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="keep_prob: expected a number in \\(0, 1\\], got 0"):
        reg.Dropout(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="lambd: expected a non-negative number, got -1"):
        reg.L2(-1)
    with pytest.raises(ValueError, match="patience: expected a positive integer"):
        reg.EarlyStopping(0)
