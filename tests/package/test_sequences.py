"""The adding problem: its data, and an LSTM learning what a plain RNN cannot."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ddl.layers import Dense
from ddl.losses import MeanSquaredError
from ddl.network import Network
from ddl.optimisers import Adam, GradientDescent
from ddl.recurrent import LSTMCell, RNNCell, many_to_one
from ddl.regularisation import Dropout
from ddl.sequences import BASELINE_COST, adding_problem, train_on_generated


def test_adding_problem_layout_and_targets():
    rng = np.random.default_rng(0)
    T, m = 20, 500
    X, Y = adding_problem(T, m, rng)
    assert X.shape == (T, 2, m) and Y.shape == (1, m)
    values, markers = X[:, 0, :], X[:, 1, :]
    assert np.all((values >= 0) & (values <= 1))
    assert np.all(markers.sum(axis=0) == 2)
    assert set(np.unique(markers)) == {0.0, 1.0}
    # both markers in the first half, one of them in the first T/10 steps
    assert not markers[T // 2 :].any()
    assert np.all(markers[: T // 10].sum(axis=0) == 1)
    # the target, recomputed independently for every example
    for i in range(m):
        marked = np.flatnonzero(markers[:, i])
        assert Y[0, i] == pytest.approx(values[marked, i].sum(), abs=0)


def test_baseline_cost_is_what_answering_one_costs():
    X, Y = adding_problem(30, 200_000, np.random.default_rng(1))
    cost = MeanSquaredError().cost(np.ones_like(Y), Y)
    assert cost == pytest.approx(BASELINE_COST, rel=0.02)
    assert BASELINE_COST == pytest.approx(0.5 * 2 / 12)


def test_adding_problem_is_reproducible_and_validates():
    X1, Y1 = adding_problem(10, 5, np.random.default_rng(3))
    X2, Y2 = adding_problem(10, 5, np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    with pytest.raises(ValueError, match="T"):
        adding_problem(3, 5, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        adding_problem(10, 5, 0)


# Same budget for both networks: steps × batch of fresh sequences, same optimiser,
# same clipping, same number of hidden units.
# Over seeds 0-7 the LSTM crossed 1/4 of the baseline cost after 150-220 steps,
# while the RNN stayed at the baseline for 1500.
T, N_A, STEPS, BATCH, LR = 20, 16, 500, 64, 1e-2


def trained_cost(cell_class, seed):
    rng = np.random.default_rng(seed)
    net = Network(many_to_one(cell_class(2, N_A, rng), 1, rng))
    loss = MeanSquaredError()
    # Matrices this small gain nothing from BLAS threads, and lose much when cores are busy.
    with threadpool_limits(limits=1):
        costs = train_on_generated(
            net, loss, Adam(LR), lambda: adding_problem(T, BATCH, rng), STEPS, max_norm=1.0
        )
        X_val, Y_val = adding_problem(T, 2000, np.random.default_rng(10_000 + seed))
        val = loss.cost(net.forward(X_val, training=False), Y_val)
    assert np.all(np.isfinite(costs))
    return val


@pytest.mark.parametrize("seed", [0, 1])
def test_lstm_remembers_where_a_plain_rnn_cannot(seed):
    lstm = trained_cost(LSTMCell, seed)
    rnn = trained_cost(RNNCell, seed)
    assert lstm < 0.15 * BASELINE_COST, f"LSTM cost {lstm:.4f}, baseline {BASELINE_COST:.4f}"
    assert rnn > 0.75 * BASELINE_COST, f"RNN cost {rnn:.4f}, baseline {BASELINE_COST:.4f}"


@pytest.mark.parametrize("T", [4, 5, 9, 10, 20, 25, 37])
def test_markers_fall_anywhere_in_their_windows_and_nowhere_else(T):
    # The docstring's windows, written out: the first marker among the first max(1, T // 10)
    # steps, the second among the rest of the first half.  With many sequences every step of
    # each window is drawn, each sequence on its own.
    m = 4000
    X, Y = adding_problem(T, m, np.random.default_rng(T))
    markers = X[:, 1, :]
    early, half = max(1, T // 10), T // 2
    positions = np.sort(np.nonzero(markers.T)[1].reshape(m, 2), axis=1)
    assert set(positions[:, 0]) == set(range(early))
    assert set(positions[:, 1]) == set(range(early, half))
    np.testing.assert_array_equal(
        Y[0], X[positions[:, 0], 0, np.arange(m)] + X[positions[:, 1], 0, np.arange(m)]
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adding_problem_draws_in_the_dtype_asked_for(dtype):
    X, Y = adding_problem(8, 3, np.random.default_rng(0), dtype=dtype)
    assert X.dtype == Y.dtype == dtype
    assert adding_problem(8, 3, np.random.default_rng(0))[0].dtype == np.float64


def test_adding_problem_accepts_the_smallest_sizes_and_refuses_smaller():
    X, Y = adding_problem(4, 1, np.random.default_rng(0))
    assert X.shape == (4, 2, 1) and Y.shape == (1, 1)
    X, Y = adding_problem(np.int64(6), np.int64(2), np.random.default_rng(0))
    assert X.shape == (6, 2, 2)
    for T in (3, 0, True, 4.0, "8"):
        with pytest.raises(
            ValueError, match=rf"^T: expected an integer sequence length >= 4, got {T!r}\.$"
        ):
            adding_problem(T, 5, np.random.default_rng(0))
    for m in (0, -1, True, 2.0, None):
        with pytest.raises(
            ValueError, match=rf"^m: expected a positive number of sequences, got {m!r}\.$"
        ):
            adding_problem(10, m, np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"^rng: expected a numpy.random.Generator, got int\.$"):
        adding_problem(10, 5, 0)


def test_train_on_generated_trains_with_dropout_on_and_clips_to_one_by_default():
    # A dropout layer before a linear one: in training mode its mask is D = (U < keep_prob)
    # for U drawn from its rng, so the step can be written out with numpy from the same draw.
    # The targets are far off, so the gradient's norm is well above 1 and the default
    # max_norm = 1 caps the step of GradientDescent(1.0) at length 1.
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((3, 8)), 10 + rng.standard_normal((1, 8))
    dense = Dense(3, 1, "identity", "xavier", rng)
    dense.params["b"][...] = 0.5
    W0, b0 = dense.params["W"].copy(), dense.params["b"].copy()
    net = Network([Dropout(0.5, np.random.default_rng(42)), dense])

    costs = train_on_generated(net, "mse", GradientDescent(1.0), lambda: (X, Y), 1)

    kept = np.random.default_rng(42).random(X.shape) < 0.5
    X_dropped = X * kept / 0.5
    E = W0 @ X_dropped + b0 - Y
    m = X.shape[1]
    assert costs[0] == pytest.approx(np.sum(E * E) / (2 * m), rel=1e-12)
    dW, db = E @ X_dropped.T / m, E.sum(axis=1, keepdims=True) / m
    norm = np.sqrt(np.sum(dW * dW) + np.sum(db * db))
    assert norm > 2
    np.testing.assert_allclose(W0 - dense.params["W"], dW / norm, rtol=1e-12)
    np.testing.assert_allclose(b0 - dense.params["b"], db / norm, rtol=1e-12)
