"""The training loop: history, divergence, early stopping, and results on
held-out test data against the original series."""

import math

import numpy as np
import pytest

from ddl import data, losses
from ddl.gradcheck import numerical_gradient, relative_error
from ddl.metrics import accuracy, f1_score
from ddl.network import feed_forward
from ddl.optimisers import Adam, GradientDescent, Momentum
from ddl.regularisation import L2, EarlyStopping
from ddl.training import History, TrainingDiverged, train


def breast_cancer(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X, Y = data.load_binary(dtype)
    d, _ = data.standardise(data.train_val_test_split(X, Y, rng))
    return d, rng


def test_history_records_every_epoch():
    d, rng = breast_cancer(0)
    net = feed_forward([30, 8, 1], rng)
    h = train(
        net,
        "binary_cross_entropy",
        GradientDescent(0.1),
        d,
        5,
        64,
        rng,
        metrics={"accuracy": accuracy, "f1": f1_score},
    )
    assert isinstance(h, History) and h.epochs == 5 and not h.stopped_early
    assert len(h.train_loss) == len(h.val_loss) == 5
    assert set(h.train_metrics) == set(h.val_metrics) == {"accuracy", "f1"}
    assert all(len(v) == 5 for v in (*h.train_metrics.values(), *h.val_metrics.values()))
    assert h.train_loss[-1] < h.train_loss[0]
    # The recorded loss is the network's cost on the whole training set.
    Z = net.forward(d.X_train, training=False)
    assert h.train_loss[-1] == pytest.approx(losses.binary_cross_entropy(Z, d.Y_train))


def test_divergence_raises_a_clear_error():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 50)), 1e3 * rng.standard_normal((1, 50))
    d = data.Dataset(X, Y, X[:, :0], Y[:, :0], X[:, :0], Y[:, :0])
    net = feed_forward([3, 16, 1], rng)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="learning rate"):
        train(net, "mse", GradientDescent(50.0), d, 50, None, rng)


def test_early_stopping_restores_the_best_epoch():
    d, rng = breast_cancer(1)
    net = feed_forward([30, 64, 64, 1], rng)
    stopper = EarlyStopping(patience=3)
    h = train(net, "binary_cross_entropy", Adam(0.01), d, 200, 16, rng, early_stopping=stopper)
    assert h.stopped_early and h.epochs < 200
    assert h.best_epoch == int(np.argmin(h.val_loss)) == h.epochs - 1 - 3
    Z = net.forward(d.X_val, training=False)
    assert losses.binary_cross_entropy(Z, d.Y_val) == pytest.approx(min(h.val_loss))


def test_train_validates_its_arguments():
    d, rng = breast_cancer(0)
    net = feed_forward([30, 4, 1], rng)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        train(net, "binary_cross_entropy", Adam(), d, 1, 32, rng=None)
    with pytest.raises(ValueError, match="epochs: expected a positive integer, got 0"):
        train(net, "binary_cross_entropy", Adam(), d, 0, 32, rng)
    with pytest.raises(ValueError, match="Did you mean 'binary_cross_entropy'"):
        train(net, "binary_crossentropy", Adam(), d, 1, 32, rng)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_feed_forward_network_beats_the_original_f1_without_nan(seed):
    # The original: [n, 64, 64, 32, 1], learning rate 1e-3, F1 0.926 on test, NaN late on.
    d, rng = breast_cancer(seed)
    net = feed_forward([30, 64, 64, 32, 1], rng)
    # With a mild L2 penalty (Part 7) the F1 stays above 0.94 over seeds 0-9;
    # without it, it ranges over 0.925-1.0 on these 114 test examples.
    h = train(
        net,
        "binary_cross_entropy",
        Adam(1e-3),
        d,
        100,
        32,
        rng,
        regulariser=L2(1.0),
        early_stopping=EarlyStopping(patience=20),
    )
    assert all(map(math.isfinite, h.train_loss + h.val_loss))
    y_pred = net.predict(d.X_test, losses.BinaryCrossEntropy())
    assert f1_score(d.Y_test, y_pred) >= 0.926


def test_float32_training_stays_float32_and_learns():
    d, rng = breast_cancer(0, np.float32)
    net = feed_forward([30, 32, 1], rng, dtype=np.float32)
    h = train(net, "binary_cross_entropy", Momentum(0.1), d, 20, 32, rng, regulariser=L2(0.1))
    assert all(p.dtype == np.float32 for p in net.parameters() + net.gradients())
    assert h.val_metrics["accuracy"][-1] > 0.93


def test_softmax_network_learns_the_digits():
    rng = np.random.default_rng(0)
    X, y = data.load_multiclass()
    d = data.train_val_test_split(X / 16, data.one_hot(y, 10), rng)
    net = feed_forward([64, 64, 10], rng, keep_prob=0.9)
    h = train(net, "categorical_cross_entropy", Adam(0.003), d, 15, 32, rng)
    assert h.val_metrics["accuracy"][-1] > 0.93
    labels = net.predict(d.X_test, losses.CategoricalCrossEntropy())
    assert accuracy(np.argmax(d.Y_test, axis=0), labels) > 0.93


def test_numerical_gradient_and_relative_error():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda v: np.sum(v**3), x.copy())
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)
    assert relative_error(g, 3 * x**2) < 1e-9
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.sqrt(2) / 2)
    # A wrong gradient is caught: the derivative of x³ is not x².
    assert relative_error(x**2, g) > 0.1
