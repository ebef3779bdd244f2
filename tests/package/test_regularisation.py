"""L1, L2, dropout and early stopping."""

import math

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


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: reg.L1(True), ValueError, "lambd: expected a non-negative number, got True."),
        (lambda: reg.L2("0.1"), ValueError, "lambd: expected a non-negative number, got '0.1'."),
        (lambda: reg.L2(math.inf), ValueError, "lambd: expected a non-negative number, got inf."),
        (lambda: reg.L1(math.nan), ValueError, "lambd: expected a non-negative number, got nan."),
        (lambda: reg.L1(-0.5), ValueError, "lambd: expected a non-negative number, got -0.5."),
        (
            lambda: reg.Dropout(True, np.random.default_rng(0)),
            ValueError,
            "keep_prob: expected a number in (0, 1], got True.",
        ),
        (
            lambda: reg.Dropout(1.5, np.random.default_rng(0)),
            ValueError,
            "keep_prob: expected a number in (0, 1], got 1.5.",
        ),
        (
            lambda: reg.Dropout("0.5", np.random.default_rng(0)),
            ValueError,
            "keep_prob: expected a number in (0, 1], got '0.5'.",
        ),
        (
            lambda: reg.Dropout(0.5, 42),
            TypeError,
            "rng: expected a numpy.random.Generator, got int.",
        ),
        (
            lambda: reg.Dropout(0.5, np.random.RandomState(0)),
            TypeError,
            "rng: expected a numpy.random.Generator, got RandomState.",
        ),
        (
            lambda: reg.EarlyStopping(True),
            ValueError,
            "patience: expected a positive integer, got True.",
        ),
        (
            lambda: reg.EarlyStopping(2.5),
            ValueError,
            "patience: expected a positive integer, got 2.5.",
        ),
        (
            lambda: reg.EarlyStopping(-3),
            ValueError,
            "patience: expected a positive integer, got -3.",
        ),
        (
            lambda: reg.EarlyStopping(min_delta=-0.1),
            ValueError,
            "min_delta: expected a non-negative number, got -0.1.",
        ),
        (
            lambda: reg.EarlyStopping(min_delta="0"),
            ValueError,
            "min_delta: expected a non-negative number, got '0'.",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_value_given(make, error, message):
    with pytest.raises(error) as excinfo:
        make()
    assert type(excinfo.value) is error
    assert str(excinfo.value) == message


@pytest.mark.parametrize("lambd", [0, 0.0, 3, 2.5])
def test_any_finite_non_negative_strength_is_accepted(lambd):
    W = np.array([[1.0, -2.0]])
    assert reg.L1(lambd).penalty([W], 2) == pytest.approx(lambd / 2 * 3)
    assert reg.L2(lambd).penalty([W], 2) == pytest.approx(lambd / 4 * 5)


def test_keep_prob_1_is_no_dropout_at_all():
    # keep_prob = 1 is allowed (the interval is (0, 1]) and is exactly the identity in
    # training too: the same array back, the gradient untouched, and no random number
    # drawn, so a network with Dropout(1) follows the same random stream as one without.
    rng = np.random.default_rng(5)
    layer = reg.Dropout(1, rng)
    A_prev = np.arange(6.0).reshape(2, 3)
    assert layer.forward(A_prev, training=True) is A_prev
    dA = np.ones((2, 3))
    assert layer.backward(dA) is dA
    assert rng.random() == np.random.default_rng(5).random()


def test_dropout_passes_gradients_through_when_it_dropped_nothing():
    # Before any forward pass, and after one in evaluation mode, backward is the identity.
    layer = reg.Dropout(0.5, np.random.default_rng(0))
    dA = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(layer.backward(dA), dA)
    layer.forward(np.ones((2, 3)), training=True)
    layer.forward(np.ones((2, 3)), training=False)
    np.testing.assert_array_equal(layer.backward(dA), dA)


def test_dropout_is_in_training_mode_unless_told_otherwise():
    # The layer interface's default is training=True: a plain forward call drops units.
    layer = reg.Dropout(0.5, np.random.default_rng(0))
    A = layer.forward(np.ones((20, 50)))
    assert set(np.unique(A)) == {0.0, 2.0}
    np.testing.assert_array_equal(A, (np.random.default_rng(0).random((20, 50)) < 0.5) / 0.5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dropout_mask_is_u_below_keep_prob_drawn_in_the_input_precision(dtype, seed):
    # eq-dropout: D = (U < keep_prob), U uniform on [0, 1) drawn from the layer's generator in
    # the precision of the activations (float32 activations never need a float64 array of
    # their size).  keep_prob is set to one of the drawn values, so the unit whose U equals
    # keep_prob must be dropped: '<' keeps a unit with probability exactly keep_prob.
    shape = (6, 7)
    U = np.random.default_rng(seed).random(shape, dtype=dtype)
    keep_prob = float(U[2, 3])
    assert 0 < keep_prob < 1 and np.sum(U == keep_prob) == 1
    layer = reg.Dropout(keep_prob, np.random.default_rng(seed))
    A = layer.forward(np.ones(shape, dtype=dtype), training=True)
    assert A.dtype == dtype
    assert A[2, 3] == 0
    expected = (U < keep_prob).astype(dtype) / dtype(keep_prob)
    np.testing.assert_array_equal(A, expected)


def test_early_stopping_defaults_to_a_patience_of_10_epochs():
    stopper = reg.EarlyStopping()
    p = [np.zeros(2)]
    stops = [stopper.update(1.0, p) for _ in range(11)]  # one improvement, then 10 without
    assert stops == [False] * 10 + [True]
    assert stopper.best_epoch == 0


@pytest.mark.parametrize("patience", [1, 2, 3])
def test_early_stopping_when_no_epoch_ever_improves(patience):
    # A run whose validation loss is NaN from the start: no best epoch, no weights saved,
    # a stop after exactly `patience` epochs, and restore() leaves the weights alone.
    stopper = reg.EarlyStopping(patience=patience)
    p = [np.array([1.0, 2.0])]
    stops = [stopper.update(math.nan, p) for _ in range(patience)]
    assert stops == [False] * (patience - 1) + [True]
    assert stopper.best_epoch is None
    stopper.restore(p)
    np.testing.assert_array_equal(p[0], [1.0, 2.0])


def test_early_stopping_restore_refuses_a_different_number_of_parameters():
    stopper = reg.EarlyStopping(patience=1)
    params = [np.zeros(2), np.ones(3)]
    stopper.update(0.5, params)
    with pytest.raises(ValueError):
        stopper.restore(params[:1])
    with pytest.raises(ValueError):
        stopper.restore([*params, np.zeros(1)])
